namespace Nuzantara.Concurrency;

/// <summary>An exclusive lock per key: one holder per key at a time, keys independent of each other.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <remarks>
/// Implemented in process by <see cref="KeyedAsyncLock{TKey}"/> and across processes by the PostgreSQL variant in
/// <c>Nuzantara.Concurrency.Postgres</c>, so code can take either.
/// </remarks>
public interface IKeyedAsyncLock<in TKey>
    where TKey : notnull
{
    /// <summary>Waits for the lock on <paramref name="key"/> for at most the lock's default timeout.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    ValueTask<LockHandle> LockAsync(TKey key, CancellationToken cancellationToken = default);

    /// <summary>Waits for the lock on <paramref name="key"/> for at most <paramref name="timeout"/>.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    ValueTask<LockHandle> LockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for the lock on <paramref name="key"/> for at most <paramref name="timeout"/>, and reports a timeout
    /// through <see cref="LockHandle.IsAcquired"/> instead of throwing.
    /// </summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    ValueTask<LockHandle> TryLockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default);
}
