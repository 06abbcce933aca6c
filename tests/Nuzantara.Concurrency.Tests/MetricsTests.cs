using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Nuzantara.Concurrency.Tests;

[Collection(SerialTests.Name)]
public sealed class MetricsTests
{
    private const string Meter = "Nuzantara.Concurrency";

    [Fact]
    public async Task WaitDuration_CountsOnlyTheWait_TaggedByNameAndMode()
    {
        using var waits = new MetricCollector<double>(null, Meter, "nuzantara.lock.wait.duration");
        var locks = new KeyedAsyncLock<string>(new LockOptions { Name = "metrics-wait" });

        var holder = await locks.LockAsync("user-42").Within();
        var waiter = locks.LockAsync("user-42");
        holder.Dispose();
        (await waiter.Within()).Dispose();

        var mine = waits.GetMeasurementSnapshot().Where(m => Equals(m.Tags["lock.name"], "metrics-wait")).ToList();
        Assert.Equal(2, mine.Count);
        Assert.Equal(0, mine[0].Value);
        Assert.True(mine[1].Value > 0);
        Assert.All(mine, m => Assert.Equal("exclusive", m.Tags["lock.mode"]));
        Assert.All(mine, m => Assert.Equal(["lock.mode", "lock.name"], m.Tags.Keys.Order()));
    }

    [Fact]
    public async Task HoldDuration_IsRecordedOnRelease_PerMode()
    {
        using var holds = new MetricCollector<double>(null, Meter, "nuzantara.lock.hold.duration");
        var locks = new KeyedAsyncReaderWriterLock<string>(new LockOptions { Name = "metrics-hold" });

        (await locks.ReadLockAsync("doc").Within()).Dispose();
        (await locks.WriteLockAsync("doc").Within()).Dispose();

        var mine = holds.GetMeasurementSnapshot().Where(m => Equals(m.Tags["lock.name"], "metrics-hold")).ToList();
        Assert.Equal(["read", "write"], mine.Select(m => (string)m.Tags["lock.mode"]!));
        Assert.All(mine, m => Assert.True(m.Value >= 0));
    }

    [Fact]
    public async Task Timeouts_AreCounted_WithoutTheKey()
    {
        using var timeouts = new MetricCollector<long>(null, Meter, "nuzantara.lock.timeouts");
        var locks = new KeyedAsyncLock<string>(new LockOptions { Name = "metrics-timeouts", IncludeKeyInExceptions = true });
        using var holder = await locks.LockAsync("ann@example.com").Within();

        await Assert.ThrowsAsync<LockTimeoutException>(() => locks.LockAsync("ann@example.com", TimeSpan.FromMilliseconds(5)).AsTask()).Within();
        _ = await locks.TryLockAsync("ann@example.com", TimeSpan.Zero);

        var mine = timeouts.GetMeasurementSnapshot().Where(m => Equals(m.Tags["lock.name"], "metrics-timeouts")).ToList();
        Assert.Equal(2, mine.Sum(m => m.Value));
        Assert.All(mine, m => Assert.DoesNotContain(m.Tags.Values, v => Equals(v, "ann@example.com")));
    }

    [Fact]
    public async Task ActiveKeysAndWaiters_AreObservable_PerLockName()
    {
        using var activeKeys = new MetricCollector<long>(null, Meter, "nuzantara.lock.active_keys");
        using var waiters = new MetricCollector<long>(null, Meter, "nuzantara.lock.waiters");
        var locks = new KeyedAsyncLock<int>(new LockOptions { Name = "metrics-gauges" });
        var a = await locks.LockAsync(1).Within();
        var b = await locks.LockAsync(2).Within();
        var waiting = locks.LockAsync(1);

        activeKeys.RecordObservableInstruments();
        waiters.RecordObservableInstruments();

        Assert.Equal(2, Latest(activeKeys, "metrics-gauges"));
        Assert.Equal(1, Latest(waiters, "metrics-gauges"));

        a.Dispose();
        (await waiting.Within()).Dispose();
        b.Dispose();
        activeKeys.RecordObservableInstruments();
        Assert.Equal(0, Latest(activeKeys, "metrics-gauges"));
        GC.KeepAlive(locks);
    }

    private static long Latest(MetricCollector<long> collector, string name)
        => collector.GetMeasurementSnapshot().Last(m => Equals(m.Tags["lock.name"], name)).Value;
}
