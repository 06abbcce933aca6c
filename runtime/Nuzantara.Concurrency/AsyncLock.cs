namespace Nuzantara.Concurrency;

/// <summary>
/// An async mutual-exclusion lock with timeouts: one holder at a time, waiters served first come, first served.
/// </summary>
/// <remarks>
/// <para>Unlike <see cref="SemaphoreSlim"/>, every acquisition has a timeout (<see cref="LockOptions.DefaultTimeout"/>,
/// five seconds unless set) and the returned <see cref="LockHandle"/> releases exactly once, so a double release
/// cannot let two flows in. Not re-entrant: a holder that asks again waits for itself until its timeout.</para>
/// <para>Waiters resume asynchronously, never on the thread that released the lock.</para>
/// </remarks>
/// <example>
/// <code>
/// private readonly AsyncLock _gate = new();
///
/// public async Task AddAsync(Item item, CancellationToken cancellationToken)
/// {
///     using (await _gate.LockAsync(cancellationToken))
///     {
///         _items.Add(item);
///         await _store.SaveAsync(_items, cancellationToken);
///     }
/// }
/// </code>
/// </example>
public sealed class AsyncLock
{
    private readonly SingleLock _lock;

    /// <summary>Creates an unnamed lock with the default timeout of five seconds.</summary>
    public AsyncLock()
        : this(null)
    {
    }

    /// <summary>Creates a lock with the given options.</summary>
    /// <param name="options">Name, default timeout and exception settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">The options' default timeout is negative and not infinite.</exception>
    public AsyncLock(LockOptions? options) => _lock = SingleLock.Create(options, nameof(AsyncLock), readerWriter: false);

    /// <summary>The lock's name, as used in metrics and exceptions.</summary>
    public string Name => _lock.Name;

    /// <summary>The timeout of <see cref="LockAsync(CancellationToken)"/>.</summary>
    public TimeSpan DefaultTimeout => _lock.Instrumentation.DefaultTimeout;

    /// <summary>Whether the lock is held at this moment; for diagnostics and tests, never for decisions.</summary>
    public bool IsHeld => _lock.IsHeld(read: false);

    /// <summary>How many acquisitions are waiting at this moment.</summary>
    public int Waiters => (int)_lock.Waiters;

    /// <summary>Waits for the lock for at most <see cref="DefaultTimeout"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask<LockHandle> LockAsync(CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: false, _lock.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits for the lock for at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> LockAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: false, timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits for the lock for at most <paramref name="timeout"/>; a timeout is reported, not thrown.</summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> TryLockAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: false, timeout, throwOnTimeout: false, cancellationToken);
}
