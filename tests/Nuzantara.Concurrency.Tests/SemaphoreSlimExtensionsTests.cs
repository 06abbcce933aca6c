namespace Nuzantara.Concurrency.Tests;

public sealed class SemaphoreSlimExtensionsTests
{
    [Fact]
    public async Task AcquireAsync_EntersAndReleasesOnce_EvenWhenDisposedTwice()
    {
        using var semaphore = new SemaphoreSlim(1, 1);

        var handle = await semaphore.AcquireAsync(TimeSpan.FromSeconds(5)).Within();
        Assert.Equal(0, semaphore.CurrentCount);
        handle.Dispose();
        handle.Dispose();

        Assert.Equal(1, semaphore.CurrentCount);
    }

    [Fact]
    public async Task AcquireAsync_ThatTimesOut_ThrowsLockTimeoutException()
    {
        using var semaphore = new SemaphoreSlim(0, 1);

        var error = await Assert.ThrowsAsync<LockTimeoutException>(() => semaphore.AcquireAsync(TimeSpan.FromMilliseconds(5)).AsTask()).Within();

        Assert.Equal(nameof(SemaphoreSlim), error.LockName);
        Assert.Equal(0, semaphore.CurrentCount);
    }

    [Fact]
    public async Task TryAcquireAsync_ThatTimesOut_ReturnsUnacquiredHandle()
    {
        using var semaphore = new SemaphoreSlim(0, 1);

        using var handle = await semaphore.TryAcquireAsync(TimeSpan.Zero);

        Assert.False(handle.IsAcquired);
        Assert.Equal(0, semaphore.CurrentCount);
    }

    [Fact]
    public async Task AcquireAsync_HonoursCancellation()
    {
        using var semaphore = new SemaphoreSlim(0, 1);
        using var cts = new CancellationTokenSource();
        var waiting = semaphore.AcquireAsync(Timeout.InfiniteTimeSpan, cts.Token).AsTask();

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting).Within();
    }
}
