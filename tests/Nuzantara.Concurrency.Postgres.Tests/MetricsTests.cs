using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Nuzantara.Concurrency.Postgres.Tests.TestDatabase;

namespace Nuzantara.Concurrency.Postgres.Tests;

/// <summary>Each test filters the process-wide meter by a lock name of its own, so tests may run in parallel.</summary>
public sealed class MetricsTests
{
    private const string Meter = "Nuzantara.Concurrency";

    [Fact]
    public async Task Timeouts_AreCounted_ByNameAndMode_WithoutTheKey()
    {
        using var timeouts = new MetricCollector<long>(null, Meter, "nuzantara.lock.timeouts");
        var keySpace = NewKeySpace();
        var name = $"metrics-timeouts-{keySpace}";
        await using var dataSource = CreateDataSource();
        var holderLocks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, new PostgresLockOptions { Name = name, KeySpace = keySpace, IncludeKeyInExceptions = true });
        await using var holder = await holderLocks.LockAsync("ann@example.com").Within();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        await Assert.ThrowsAsync<LockTimeoutException>(() => locks.LockAsync("ann@example.com", Short).AsTask()).Within();
        Assert.False((await locks.TryLockAsync("ann@example.com", TimeSpan.Zero).Within()).IsAcquired);
        Assert.False(await locks.TryAcquireTransactionLockAsync(transaction, "ann@example.com", Short).Within());

        var mine = timeouts.GetMeasurementSnapshot().Where(m => Equals(m.Tags["lock.name"], name)).ToList();
        Assert.Equal(["exclusive", "exclusive", "transaction"], mine.Select(m => (string)m.Tags["lock.mode"]!));
        Assert.All(mine, m => Assert.Equal(1, m.Value));
        Assert.All(mine, m => Assert.Equal(["lock.mode", "lock.name"], m.Tags.Keys.Order()));
    }

    [Fact]
    public async Task WaitAndHoldDurations_AreRecorded_ForSessionLocks()
    {
        using var waits = new MetricCollector<double>(null, Meter, "nuzantara.lock.wait.duration");
        using var holds = new MetricCollector<double>(null, Meter, "nuzantara.lock.hold.duration");
        var keySpace = NewKeySpace();
        var name = $"metrics-durations-{keySpace}";
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, new PostgresLockOptions { Name = name, KeySpace = keySpace });

        await (await locks.LockAsync("k").Within()).DisposeAsync();

        var myWaits = waits.GetMeasurementSnapshot().Where(m => Equals(m.Tags["lock.name"], name)).ToList();
        var myHolds = holds.GetMeasurementSnapshot().Where(m => Equals(m.Tags["lock.name"], name)).ToList();
        Assert.Single(myWaits);
        Assert.Single(myHolds);
        Assert.Equal("exclusive", myWaits[0].Tags["lock.mode"]);

        // The in-process queue reports under its own name, so the lock's own series counts each acquisition once.
        Assert.Single(waits.GetMeasurementSnapshot(), m => Equals(m.Tags["lock.name"], name + ".local"));
    }
}
