using static Nuzantara.Concurrency.Postgres.Tests.TestDatabase;

namespace Nuzantara.Concurrency.Postgres.Tests;

public sealed class SessionLockTests
{
    [Fact]
    public async Task SecondInstance_Waits_UntilFirstReleases()
    {
        var keySpace = NewKeySpace();
        await using var dataSourceA = CreateDataSource();
        await using var dataSourceB = CreateDataSource();
        var locksA = new PostgresKeyedAsyncLock<string>(dataSourceA, Options(keySpace));
        var locksB = new PostgresKeyedAsyncLock<string>(dataSourceB, Options(keySpace));

        var first = await locksA.LockAsync("order-1", Hang).Within();
        var refused = await locksB.TryLockAsync("order-1", TimeSpan.Zero).Within();
        Assert.False(refused.IsAcquired);

        var second = locksB.LockAsync("order-1", Hang).AsTask();
        await WaitUntilSomeoneWaitsAsync(locksB.GetLockId("order-1")).Within();
        Gate.Pending(second);

        await first.DisposeAsync();
        await using var held = await second.Within();
        Assert.True(held.IsAcquired);
    }

    [Fact]
    public async Task DifferentKeys_AndDifferentKeySpaces_AreIndependent()
    {
        await using var dataSource = CreateDataSource();
        var keySpace = NewKeySpace();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var otherSpace = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace + 1));

        await using var alice = await locks.LockAsync("alice").Within();
        await using var bob = await locks.TryLockAsync("bob", TimeSpan.Zero).Within();
        await using var aliceElsewhere = await otherSpace.TryLockAsync("alice", TimeSpan.Zero).Within();

        Assert.True(bob.IsAcquired);
        Assert.True(aliceElsewhere.IsAcquired);
    }

    [Fact]
    public async Task Timeout_ThrowsLockTimeoutException_AndLeavesNeitherLockNorConnectionBehind()
    {
        var keySpace = NewKeySpace();
        await using var holderSource = CreateDataSource();
        await using var waiterSource = CreateDataSource(maxPoolSize: 1);
        var holderLocks = new PostgresKeyedAsyncLock<string>(holderSource, Options(keySpace, "orders"));
        var waiterLocks = new PostgresKeyedAsyncLock<string>(waiterSource, Options(keySpace, "orders"));
        var holder = await holderLocks.LockAsync("order-7").Within();

        var exception = await Assert.ThrowsAsync<LockTimeoutException>(() => waiterLocks.LockAsync("order-7", Short).AsTask()).Within();

        Assert.Equal("orders", exception.LockName);
        Assert.Equal(LockMode.Exclusive, exception.Mode);
        Assert.Null(exception.Key);
        Assert.True(exception.Waited >= Short, $"Waited {exception.Waited}.");
        Assert.IsAssignableFrom<TimeoutException>(exception);

        await holder.DisposeAsync();
        Assert.Null(await HolderAsync(waiterLocks.GetLockId("order-7")));

        // The pool has one connection: this open fails if the timed-out attempt kept it.
        await using var third = await waiterLocks.TryLockAsync("order-7", TimeSpan.Zero).Within();
        Assert.True(third.IsAcquired);
    }

    [Fact]
    public async Task Timeout_CarriesTheKey_OnlyWhenOptedIn()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var holderLocks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var waiterLocks = new PostgresKeyedAsyncLock<string>(dataSource, new PostgresLockOptions { Name = "emails", KeySpace = keySpace, IncludeKeyInExceptions = true });
        await using var holder = await holderLocks.LockAsync("ann@example.com").Within();

        var exception = await Assert.ThrowsAsync<LockTimeoutException>(() => waiterLocks.LockAsync("ann@example.com", Short).AsTask()).Within();

        Assert.Equal("ann@example.com", exception.Key);
        Assert.Contains("ann@example.com", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryLock_WhileHeld_ReportsNotAcquired_AfterItsTimeout()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var holderLocks = new PostgresKeyedAsyncLock<int>(dataSource, Options(keySpace));
        var waiterLocks = new PostgresKeyedAsyncLock<int>(dataSource, Options(keySpace));
        await using var holder = await holderLocks.LockAsync(42).Within();

        var handle = await waiterLocks.TryLockAsync(42, Short).Within();

        Assert.False(handle.IsAcquired);
        await handle.DisposeAsync();
    }

    [Fact]
    public async Task CancellationWhileWaitingAtTheServer_Throws_AndLeavesNeitherLockNorConnectionBehind()
    {
        var keySpace = NewKeySpace();
        await using var holderSource = CreateDataSource();
        await using var waiterSource = CreateDataSource(maxPoolSize: 1);
        var holderLocks = new PostgresKeyedAsyncLock<string>(holderSource, Options(keySpace));
        var waiterLocks = new PostgresKeyedAsyncLock<string>(waiterSource, Options(keySpace));
        var holder = await holderLocks.LockAsync("cart-3").Within();
        using var cancellation = new CancellationTokenSource();

        var waiter = waiterLocks.LockAsync("cart-3", Hang, cancellation.Token).AsTask();
        await WaitUntilSomeoneWaitsAsync(waiterLocks.GetLockId("cart-3")).Within();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter).Within();
        await holder.DisposeAsync();
        Assert.Null(await HolderAsync(waiterLocks.GetLockId("cart-3")));
        await using var next = await waiterLocks.TryLockAsync("cart-3", TimeSpan.Zero).Within();
        Assert.True(next.IsAcquired);
    }

    [Fact]
    public async Task CancellationWhileQueuedInProcess_Throws_AndTheNextFlowStillGetsTheLock()
    {
        await using var dataSource = CreateDataSource(maxPoolSize: 2);
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(NewKeySpace()));
        var holder = await locks.LockAsync("cart-4").Within();
        using var cancellation = new CancellationTokenSource();

        var cancelled = locks.LockAsync("cart-4", Hang, cancellation.Token).AsTask();
        var next = locks.LockAsync("cart-4", Hang).AsTask();
        Gate.Pending(cancelled);
        Gate.Pending(next);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled).Within();

        Gate.Pending(next);
        await holder.DisposeAsync();
        await using var held = await next.Within();
        Assert.True(held.IsAcquired);
    }

    [Fact]
    public async Task FlowsOfOneProcess_QueueInProcess_InsteadOfEachTakingAConnection()
    {
        // Two pooled connections, one held by the holder. Were the three waiting flows each to wait at the server,
        // they would take the other one and the spare open below would time out.
        await using var dataSource = CreateDataSource(maxPoolSize: 2);
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(NewKeySpace()));
        var order = new List<int>();
        var holder = await locks.LockAsync("doc").Within();

        var flows = Enumerable.Range(1, 3).Select(async i =>
        {
            await using (await locks.LockAsync("doc", Hang))
            {
                order.Add(i);
            }
        }).ToArray();
        Assert.All(flows, Gate.Pending);
        await using (await dataSource.OpenConnectionAsync().Within())
        {
        }

        await holder.DisposeAsync();
        await Task.WhenAll(flows).Within();
        Assert.Equal([1, 2, 3], order);
    }

    [Fact]
    public async Task FlowsOfTwoProcesses_NeverOverlap()
    {
        var keySpace = NewKeySpace();
        await using var dataSourceA = CreateDataSource();
        await using var dataSourceB = CreateDataSource();
        var instances = new[]
        {
            new PostgresKeyedAsyncLock<string>(dataSourceA, Options(keySpace)),
            new PostgresKeyedAsyncLock<string>(dataSourceB, Options(keySpace)),
        };
        var inside = 0;
        var overlaps = 0;
        var counter = 0;

        var flows = Enumerable.Range(0, 16).Select(async i =>
        {
            for (var round = 0; round < 5; round++)
            {
                await using (await instances[i % 2].LockAsync("counter", Hang))
                {
                    if (Interlocked.Increment(ref inside) != 1)
                    {
                        Interlocked.Increment(ref overlaps);
                    }

                    var read = counter;
                    await Task.Yield();
                    counter = read + 1;
                    Interlocked.Decrement(ref inside);
                }
            }
        }).ToArray();
        await Task.WhenAll(flows).Within();

        Assert.Equal(0, overlaps);
        Assert.Equal(80, counter);
    }

    [Fact]
    public async Task DisposingTwice_IsHarmless_AndDoesNotReleaseTheNextHolder()
    {
        var keySpace = NewKeySpace();
        await using var dataSourceA = CreateDataSource();
        await using var dataSourceB = CreateDataSource();
        var locksA = new PostgresKeyedAsyncLock<string>(dataSourceA, Options(keySpace));
        var locksB = new PostgresKeyedAsyncLock<string>(dataSourceB, Options(keySpace));
        var first = await locksA.LockAsync("k").Within();
        var copy = first;

        await first.DisposeAsync();
        await using var second = await locksA.LockAsync("k").Within();
        await first.DisposeAsync();
        first.Dispose();
        await copy.DisposeAsync();

        Assert.NotNull(await HolderAsync(locksA.GetLockId("k")));
        var refused = await locksB.TryLockAsync("k", TimeSpan.Zero).Within();
        Assert.False(refused.IsAcquired);
    }

    [Fact]
    public async Task SynchronousDispose_ReleasesTheLock()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var other = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));

        using (await locks.LockAsync("k").Within())
        {
            Assert.NotNull(await HolderAsync(locks.GetLockId("k")));
        }

        Assert.Null(await HolderAsync(locks.GetLockId("k")));
        await using var next = await other.TryLockAsync("k", TimeSpan.Zero).Within();
        Assert.True(next.IsAcquired);
    }

    [Fact]
    public async Task HolderConnectionKilled_NextAcquirerGetsTheLock_AndDisposingTheDeadHandleIsHarmless()
    {
        var keySpace = NewKeySpace();
        await using var holderSource = CreateDataSource();
        await using var otherSource = CreateDataSource();
        var holderLocks = new PostgresKeyedAsyncLock<string>(holderSource, Options(keySpace));
        var otherLocks = new PostgresKeyedAsyncLock<string>(otherSource, Options(keySpace));
        var id = holderLocks.GetLockId("job-9");
        var dead = await holderLocks.LockAsync("job-9").Within();
        var deadPid = await HolderAsync(id);
        Assert.NotNull(deadPid);

        var next = otherLocks.LockAsync("job-9", Hang).AsTask();
        await WaitUntilSomeoneWaitsAsync(id).Within();
        await TerminateAsync(deadPid.Value);
        await using var held = await next.Within();
        var livePid = await HolderAsync(id);
        Assert.NotNull(livePid);
        Assert.NotEqual(deadPid, livePid);

        await dead.DisposeAsync();
        dead.Dispose();

        Assert.Equal(livePid, await HolderAsync(id));
        await using var holderAgain = await holderLocks.TryLockAsync("job-9", TimeSpan.Zero).Within();
        Assert.False(holderAgain.IsAcquired);
    }

    [Fact]
    public async Task AfterTheHolderDied_ItsLockInstanceWorksAgain()
    {
        await using var dataSource = CreateDataSource(maxPoolSize: 1);
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(NewKeySpace()));
        var dead = await locks.LockAsync("job-10").Within();
        await TerminateAsync((await HolderAsync(locks.GetLockId("job-10")))!.Value);

        dead.Dispose();

        await using var again = await locks.LockAsync("job-10").Within();
        Assert.True(again.IsAcquired);
    }

    [Fact]
    public void MultiplexingDataSource_IsRejected()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Multiplexing = true };
        using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);

        var exception = Assert.Throws<ArgumentException>(() => new PostgresKeyedAsyncLock<string>(dataSource));
        Assert.Equal("dataSource", exception.ParamName);
    }

    [Fact]
    public async Task NegativeTimeout_IsRejected()
    {
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(NewKeySpace()));

        Assert.Throws<ArgumentOutOfRangeException>(() => locks.LockAsync("k", TimeSpan.FromSeconds(-2)));
    }
}
