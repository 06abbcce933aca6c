namespace Nuzantara.Concurrency;

/// <summary>
/// An async reader-writer lock: any number of readers together or one writer alone, every wait bounded by a timeout.
/// </summary>
/// <remarks>
/// <para>A writer that is waiting holds back readers that arrive after it, so a stream of readers cannot starve a
/// writer; when the writer leaves, every reader that queued meanwhile enters together, so writers cannot starve
/// readers either. Writers are served first come, first served.</para>
/// <para>Uncontended acquisitions allocate nothing. Not re-entrant: a reader that asks for the write lock waits for
/// itself.</para>
/// </remarks>
/// <example>
/// <code>
/// using (await _catalog.ReadLockAsync(cancellationToken))
/// {
///     return await _store.LoadCatalogAsync(cancellationToken);
/// }
/// </code>
/// </example>
public sealed class AsyncReaderWriterLock
{
    private readonly SingleLock _lock;

    /// <summary>Creates an unnamed reader-writer lock with the default timeout of five seconds.</summary>
    public AsyncReaderWriterLock()
        : this(null)
    {
    }

    /// <summary>Creates a reader-writer lock with the given options.</summary>
    /// <param name="options">Name, default timeout and exception settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">The options' default timeout is negative and not infinite.</exception>
    public AsyncReaderWriterLock(LockOptions? options) => _lock = SingleLock.Create(options, nameof(AsyncReaderWriterLock), readerWriter: true);

    /// <summary>The lock's name, as used in metrics and exceptions.</summary>
    public string Name => _lock.Name;

    /// <summary>The timeout of the acquisitions that take none.</summary>
    public TimeSpan DefaultTimeout => _lock.Instrumentation.DefaultTimeout;

    /// <summary>Whether a writer holds the lock at this moment; for diagnostics and tests, never for decisions.</summary>
    public bool IsWriteHeld => _lock.IsHeld(read: false);

    /// <summary>Whether readers hold the lock at this moment; for diagnostics and tests, never for decisions.</summary>
    public bool IsReadHeld => _lock.IsHeld(read: true);

    /// <summary>How many acquisitions are waiting at this moment.</summary>
    public int Waiters => (int)_lock.Waiters;

    /// <summary>Waits to read for at most <see cref="DefaultTimeout"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held read lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask<LockHandle> ReadLockAsync(CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: true, _lock.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to read for at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held read lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> ReadLockAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: true, timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to read for at most <paramref name="timeout"/>; a timeout is reported, not thrown.</summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held read lock, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> TryReadLockAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: true, timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>Waits to write for at most <see cref="DefaultTimeout"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held write lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask<LockHandle> WriteLockAsync(CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: false, _lock.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to write for at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held write lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> WriteLockAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: false, timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to write for at most <paramref name="timeout"/>; a timeout is reported, not thrown.</summary>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held write lock, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> TryWriteLockAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lock.AcquireAsync(read: false, timeout, throwOnTimeout: false, cancellationToken);
}
