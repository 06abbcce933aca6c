using System.Diagnostics;

namespace Nuzantara.Concurrency;

/// <summary>Timed, release-once acquisition for code that keeps its <see cref="SemaphoreSlim"/>.</summary>
/// <example>
/// <code>
/// using (await _semaphore.AcquireAsync(TimeSpan.FromSeconds(5), cancellationToken))
/// {
///     // at most the semaphore's count of flows here
/// }
/// </code>
/// </example>
public static class SemaphoreSlimExtensions
{
    private const string LockName = nameof(SemaphoreSlim);

    /// <summary>Waits for the semaphore for at most <paramref name="timeout"/> and returns a handle that releases it once.</summary>
    /// <param name="semaphore">The semaphore to enter.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The entered semaphore; dispose the handle to release it. Disposing it twice releases once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="semaphore"/> is null.</exception>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public static async ValueTask<LockHandle> AcquireAsync(this SemaphoreSlim semaphore, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(semaphore);
        var start = Stopwatch.GetTimestamp();
        if (!await semaphore.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new LockTimeoutException(LockName, LockMode.Exclusive, Stopwatch.GetElapsedTime(start));
        }

        return new LockHandle(new SemaphoreReleaser(semaphore), SemaphoreReleaser.Token);
    }

    /// <summary>Waits for the semaphore for at most <paramref name="timeout"/>; a timeout is reported, not thrown.</summary>
    /// <param name="semaphore">The semaphore to enter.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The entered semaphore, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="semaphore"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public static async ValueTask<LockHandle> TryAcquireAsync(this SemaphoreSlim semaphore, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(semaphore);
        return await semaphore.WaitAsync(timeout, cancellationToken).ConfigureAwait(false)
            ? new LockHandle(new SemaphoreReleaser(semaphore), SemaphoreReleaser.Token)
            : default;
    }

    private sealed class SemaphoreReleaser(SemaphoreSlim semaphore) : LockReleaser
    {
        internal const int Token = 0;
        private int _released;

        internal override void Release(int token)
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
