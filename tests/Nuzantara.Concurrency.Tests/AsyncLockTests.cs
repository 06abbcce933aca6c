namespace Nuzantara.Concurrency.Tests;

public sealed class AsyncLockTests
{
    private static readonly TimeSpan Long = Timeout.InfiniteTimeSpan;

    [Fact]
    public async Task SecondHolder_Waits_UntilFirstReleases()
    {
        var gate = new AsyncLock();
        var first = await gate.LockAsync(Long).Within();
        Assert.True(gate.IsHeld);

        var second = gate.LockAsync(Long);
        Gate.Pending(second);
        first.Dispose();

        using var held = await second.Within();
        Assert.True(gate.IsHeld);
        held.Dispose();
        Assert.False(gate.IsHeld);
    }

    [Fact]
    public async Task Waiters_AreServed_InArrivalOrder()
    {
        var gate = new AsyncLock();
        var holder = await gate.LockAsync(Long).Within();
        var order = new List<int>();
        var waiters = Enumerable.Range(1, 10).Select(async i =>
        {
            using (await gate.LockAsync(Long))
            {
                order.Add(i);
            }
        }).ToArray();

        holder.Dispose();
        await Task.WhenAll(waiters).Within();

        Assert.Equal(Enumerable.Range(1, 10), order);
    }

    [Fact]
    public async Task Timeout_Throws_WithTheLockName_AndLeavesNoWaiter()
    {
        var gate = new AsyncLock(new LockOptions { Name = "cache-refresh" });
        using var holder = await gate.LockAsync(Long).Within();

        var error = await Assert.ThrowsAsync<LockTimeoutException>(() => gate.LockAsync(TimeSpan.FromMilliseconds(10)).AsTask()).Within();

        Assert.Equal("cache-refresh", error.LockName);
        Assert.Contains("cache-refresh", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, gate.Waiters);
    }

    [Fact]
    public async Task Cancellation_Throws_AndTheLockPassesToTheNextWaiter()
    {
        var gate = new AsyncLock();
        var holder = await gate.LockAsync(Long).Within();
        using var cts = new CancellationTokenSource();
        var cancelled = gate.LockAsync(Long, cts.Token).AsTask();
        var next = gate.LockAsync(Long);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled).Within();
        holder.Dispose();

        using var held = await next.Within();
        Assert.True(held.IsAcquired);
    }

    [Fact]
    public async Task DisposingTwice_ReleasesOnce()
    {
        var gate = new AsyncLock();
        var first = await gate.LockAsync(Long).Within();
        var second = gate.LockAsync(Long);
        var third = gate.LockAsync(Long);

        first.Dispose();
        using var secondHandle = await second.Within();
        first.Dispose();
        await first.DisposeAsync();

        Gate.Pending(third);
        secondHandle.Dispose();
        using var thirdHandle = await third.Within();
    }

    [Fact]
    public async Task DefaultHandle_IsNotAcquired_AndDisposesHarmlessly()
    {
        LockHandle none = default;

        Assert.False(none.IsAcquired);
        none.Dispose();
        await none.DisposeAsync();

        var gate = new AsyncLock();
        using var held = await gate.TryLockAsync(TimeSpan.Zero);
        Assert.True(held.IsAcquired);
        Assert.False((await gate.TryLockAsync(TimeSpan.Zero)).IsAcquired);
    }
}
