namespace Nuzantara.Concurrency.Tests;

public sealed class KeyedAsyncLockTests
{
    private static readonly TimeSpan Long = Timeout.InfiniteTimeSpan;

    [Fact]
    public async Task SecondHolderOfSameKey_Waits_UntilFirstReleases()
    {
        var locks = new KeyedAsyncLock<string>();
        var first = await locks.LockAsync("user-1", Long).Within();

        var second = locks.LockAsync("user-1", Long);
        Gate.Pending(second);
        Assert.Equal(1, locks.Waiters);

        first.Dispose();
        using var held = await second.Within();
        Assert.True(held.IsAcquired);
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task DifferentKeys_AreIndependent()
    {
        var locks = new KeyedAsyncLock<string>();
        using var alice = await locks.LockAsync("alice", Long).Within();

        var bob = locks.LockAsync("bob", Long);

        Assert.True(bob.IsCompletedSuccessfully);
        using var bobHandle = await bob;
        Assert.Equal(2, locks.ActiveKeys);
    }

    [Fact]
    public async Task WaitersForOneKey_AreServed_InArrivalOrder()
    {
        var locks = new KeyedAsyncLock<int>();
        var holder = await locks.LockAsync(7, Long).Within();
        var order = new List<int>();
        var waiters = Enumerable.Range(1, 20).Select(async i =>
        {
            using (await locks.LockAsync(7, Long))
            {
                order.Add(i);
            }
        }).ToArray();
        Assert.Equal(20, locks.Waiters);

        holder.Dispose();
        await Task.WhenAll(waiters).Within();

        Assert.Equal(Enumerable.Range(1, 20), order);
    }

    [Fact]
    public async Task Timeout_ThrowsLockTimeoutException_AndLeavesNoWaiter()
    {
        var locks = new KeyedAsyncLock<string>(new LockOptions { Name = "sessions" });
        using var holder = await locks.LockAsync("s-1", Long).Within();

        var error = await Assert.ThrowsAsync<LockTimeoutException>(() => locks.LockAsync("s-1", TimeSpan.FromMilliseconds(20)).AsTask()).Within();

        Assert.Equal("sessions", error.LockName);
        Assert.Equal(LockMode.Exclusive, error.Mode);
        Assert.True(error.Waited >= TimeSpan.FromMilliseconds(15), $"waited only {error.Waited}");
        Assert.Null(error.Key);
        Assert.DoesNotContain("s-1", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<TimeoutException>(error);
        Assert.Equal(0, locks.Waiters);
        Assert.Equal(1, locks.ActiveKeys);
    }

    [Fact]
    public async Task Timeout_CarriesTheKey_OnlyWhenOptedIn()
    {
        var locks = new KeyedAsyncLock<string>(new LockOptions { Name = "emails", IncludeKeyInExceptions = true });
        using var holder = await locks.LockAsync("ann@example.com", Long).Within();

        var error = await Assert.ThrowsAsync<LockTimeoutException>(() => locks.LockAsync("ann@example.com", TimeSpan.FromMilliseconds(1)).AsTask()).Within();

        Assert.Equal("ann@example.com", error.Key);
        Assert.Contains("ann@example.com", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultTimeout_IsFiveSeconds_AndComesFromOptions()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), new KeyedAsyncLock<string>().DefaultTimeout);

        var locks = new KeyedAsyncLock<string>(new LockOptions { DefaultTimeout = TimeSpan.FromMilliseconds(10) });
        using var holder = await locks.LockAsync("k", Long).Within();

        await Assert.ThrowsAsync<LockTimeoutException>(() => locks.LockAsync("k").AsTask()).Within();
    }

    [Fact]
    public async Task TryLock_ThatTimesOut_ReturnsUnacquiredHandle_AndLeavesNoWaiter()
    {
        var locks = new KeyedAsyncLock<string>();
        using var holder = await locks.LockAsync("k", Long).Within();

        var attempt = await locks.TryLockAsync("k", TimeSpan.FromMilliseconds(10)).Within();

        Assert.False(attempt.IsAcquired);
        attempt.Dispose();
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task TryLockWithZeroTimeout_OnHeldKey_FailsAtOnce_WithoutQueueing()
    {
        var locks = new KeyedAsyncLock<string>();
        using var holder = await locks.LockAsync("k", Long).Within();

        var attempt = locks.TryLockAsync("k", TimeSpan.Zero);

        Assert.True(attempt.IsCompletedSuccessfully);
        Assert.False((await attempt).IsAcquired);
        Assert.Equal(0, locks.Waiters);
        await Assert.ThrowsAsync<LockTimeoutException>(() => locks.LockAsync("k", TimeSpan.Zero).AsTask());
    }

    [Fact]
    public async Task TryLockWithZeroTimeout_OnFreeKey_Acquires()
    {
        var locks = new KeyedAsyncLock<string>();

        using var handle = await locks.TryLockAsync("k", TimeSpan.Zero).Within();

        Assert.True(handle.IsAcquired);
    }

    [Fact]
    public async Task Cancellation_ThrowsOperationCanceled_AndLeavesNoWaiter()
    {
        var locks = new KeyedAsyncLock<string>();
        using var holder = await locks.LockAsync("k", Long).Within();
        using var cts = new CancellationTokenSource();

        var waiting = locks.LockAsync("k", Long, cts.Token);
        Gate.Pending(waiting);
        cts.Cancel();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask()).Within();
        Assert.Equal(cts.Token, error.CancellationToken);
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task AlreadyCancelledToken_Throws_EvenWhenKeyIsFree()
    {
        var locks = new KeyedAsyncLock<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => locks.LockAsync("k", new CancellationToken(canceled: true)).AsTask());

        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task CancelledWaiter_NeverReceivesTheLock_AndTheNextWaiterDoes()
    {
        var locks = new KeyedAsyncLock<string>();
        var holder = await locks.LockAsync("k", Long).Within();
        using var cts = new CancellationTokenSource();
        var cancelled = locks.LockAsync("k", Long, cts.Token).AsTask();
        var next = locks.LockAsync("k", Long);

        cts.Cancel();
        holder.Dispose();

        using var granted = await next.Within();
        Assert.True(granted.IsAcquired);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled).Within();
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task TimedOutWaiter_NeverReceivesTheLock_AndTheNextWaiterDoes()
    {
        var locks = new KeyedAsyncLock<string>();
        var holder = await locks.LockAsync("k", Long).Within();
        var timedOut = locks.LockAsync("k", TimeSpan.FromMilliseconds(10)).AsTask();
        var next = locks.LockAsync("k", Long);

        await Assert.ThrowsAsync<LockTimeoutException>(() => timedOut).Within();
        Gate.Pending(next);
        holder.Dispose();

        using var granted = await next.Within();
        Assert.True(granted.IsAcquired);
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task DisposingAHandleTwice_ReleasesOnce()
    {
        var locks = new KeyedAsyncLock<string>();
        var first = await locks.LockAsync("k", Long).Within();
        var second = locks.LockAsync("k", Long);
        var third = locks.LockAsync("k", Long);

        first.Dispose();
        using var secondHandle = await second.Within();
        first.Dispose();
        var copy = first;
        copy.Dispose();

        Gate.Pending(third);
        Assert.Equal(1, locks.Waiters);
        secondHandle.Dispose();
        using var thirdHandle = await third.Within();
    }

    [Fact]
    public async Task StaleHandle_OfARecycledEntry_DoesNotReleaseTheNewHolder()
    {
        var locks = new KeyedAsyncLock<string>(new LockOptions { Partitions = 1 });
        var stale = await locks.LockAsync("a", Long).Within();
        stale.Dispose();

        // The released entry is pooled and now serves another key.
        using var current = await locks.LockAsync("b", Long).Within();
        stale.Dispose();

        Assert.False((await locks.TryLockAsync("b", TimeSpan.Zero)).IsAcquired);
    }

    [Fact]
    public async Task EntryForAKey_IsGone_OnceLastHolderAndWaiterLeave()
    {
        var locks = new KeyedAsyncLock<string>();
        using var cts = new CancellationTokenSource();
        var holder = await locks.LockAsync("a", Long).Within();
        var waiter = locks.LockAsync("a", Long);
        var cancelled = locks.LockAsync("a", Long, cts.Token).AsTask();
        var other = await locks.LockAsync("b", Long).Within();
        Assert.Equal(2, locks.ActiveKeys);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled).Within();
        holder.Dispose();
        (await waiter.Within()).Dispose();
        other.Dispose();

        Assert.Equal(0, locks.ActiveKeys);
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task MemoryFollowsKeysInUse_NotKeysEverSeen()
    {
        var locks = new KeyedAsyncLock<int>();
        var held = new List<LockHandle>();
        for (var i = 0; i < 10_000; i++)
        {
            held.Add(await locks.LockAsync(i, Long).Within());
        }

        Assert.Equal(10_000, locks.ActiveKeys);
        held.ForEach(h => h.Dispose());

        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task Release_NeverRunsTheNextHoldersCode_OnTheReleasingThread()
    {
        var locks = new KeyedAsyncLock<string>();
        var holder = await locks.LockAsync("k", Long).Within();
        var nextHolderRunning = Gate.Open();
        var mayFinish = new ManualResetEventSlim();
        var next = Task.Run(async () =>
        {
            using (await locks.LockAsync("k", Long))
            {
                nextHolderRunning.SetResult();

                // Blocks its thread: were this continuation inlined into Dispose, Dispose would not return.
                mayFinish.Wait();
            }
        });
        while (locks.Waiters == 0)
        {
            await Task.Yield();
        }

        var release = Task.Run(holder.Dispose);

        await release.Within();
        await nextHolderRunning.Task.Within();
        mayFinish.Set();
        await next.Within();
    }

    [Fact]
    public async Task KeyComparer_IsHonoured()
    {
        var locks = new KeyedAsyncLock<string>(null, StringComparer.OrdinalIgnoreCase);
        using var holder = await locks.LockAsync("Ann@Example.com", Long).Within();

        var attempt = await locks.TryLockAsync("ann@example.com", TimeSpan.Zero);

        Assert.False(attempt.IsAcquired);
    }

    [Fact]
    public async Task CollidingKeys_InOnePartition_StayIndependent()
    {
        var locks = new KeyedAsyncLock<CollidingKey>(new LockOptions { Partitions = 1 });
        var handles = new List<LockHandle>();
        for (var i = 0; i < 50; i++)
        {
            handles.Add(await locks.LockAsync(new CollidingKey(i), Long).Within());
        }

        Assert.False((await locks.TryLockAsync(new CollidingKey(25), TimeSpan.Zero)).IsAcquired);
        handles[25].Dispose();
        using var again = await locks.TryLockAsync(new CollidingKey(25), TimeSpan.Zero);
        Assert.True(again.IsAcquired);
        handles.ForEach(h => h.Dispose());
        again.Dispose();
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task InvalidArguments_AreRejected()
    {
        var locks = new KeyedAsyncLock<string>();

        Assert.Throws<ArgumentNullException>(() => { _ = locks.LockAsync(null!); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = locks.LockAsync("k", TimeSpan.FromSeconds(-2)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyedAsyncLock<string>(new LockOptions { DefaultTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyedAsyncLock<string>(new LockOptions { Partitions = -1 }));
        using var infinite = await locks.LockAsync("k", Timeout.InfiniteTimeSpan).Within();
    }

    [Fact]
    public void ImplementsTheSharedKeyedLockInterface()
    {
        IKeyedAsyncLock<string> locks = new KeyedAsyncLock<string>(new LockOptions { Name = "any" });

        Assert.IsType<KeyedAsyncLock<string>>(locks);
        Assert.Equal("any", ((KeyedAsyncLock<string>)locks).Name);
    }

    private readonly record struct CollidingKey(int Value)
    {
        public override int GetHashCode() => 42;
    }
}
