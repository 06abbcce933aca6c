namespace Nuzantara.Concurrency;

/// <summary>
/// An async reader-writer lock per key: for each key, any number of readers together or one writer alone, every
/// wait bounded by a timeout.
/// </summary>
/// <typeparam name="TKey">The key type, such as a user id or a collection name.</typeparam>
/// <remarks>
/// <para>A writer that is waiting holds back readers that arrive after it, so a stream of readers cannot starve a
/// writer; when the writer leaves, every reader that queued meanwhile enters together, so writers cannot starve
/// readers either. Writers are served first come, first served.</para>
/// <para>State is kept only for keys in use (<see cref="ActiveKeys"/>); uncontended acquisitions allocate nothing.
/// Not re-entrant: a reader that asks for the write lock of the same key waits for itself.</para>
/// </remarks>
/// <example>
/// <code>
/// using (await _facts.ReadLockAsync(userId, cancellationToken))
/// {
///     return await _store.LoadFactsAsync(userId, cancellationToken);
/// }
/// </code>
/// </example>
public sealed class KeyedAsyncReaderWriterLock<TKey>
    where TKey : notnull
{
    private readonly KeyedLockTable<TKey> _table;

    /// <summary>Creates an unnamed keyed reader-writer lock with the default timeout of five seconds.</summary>
    public KeyedAsyncReaderWriterLock()
        : this(null, null)
    {
    }

    /// <summary>Creates a keyed reader-writer lock with the given options.</summary>
    /// <param name="options">Name, default timeout and exception settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">The options' default timeout or partition count is out of range.</exception>
    public KeyedAsyncReaderWriterLock(LockOptions? options)
        : this(options, null)
    {
    }

    /// <summary>Creates a keyed reader-writer lock with the given options and key comparer.</summary>
    /// <param name="options">Name, default timeout and exception settings; <see langword="null"/> for the defaults.</param>
    /// <param name="comparer">Compares keys.</param>
    /// <exception cref="ArgumentOutOfRangeException">The options' default timeout or partition count is out of range.</exception>
    public KeyedAsyncReaderWriterLock(LockOptions? options, IEqualityComparer<TKey>? comparer)
        => _table = new KeyedLockTable<TKey>(new LockInstrumentation(options, "KeyedAsyncReaderWriterLock", readerWriter: true), options, comparer);

    /// <summary>The lock's name, as used in metrics and exceptions.</summary>
    public string Name => _table.Name;

    /// <summary>The timeout of the acquisitions that take none.</summary>
    public TimeSpan DefaultTimeout => _table.Instrumentation.DefaultTimeout;

    /// <summary>How many keys are held or waited for at this moment.</summary>
    public int ActiveKeys => (int)_table.ActiveKeys;

    /// <summary>How many acquisitions are waiting at this moment, over all keys.</summary>
    public int Waiters => (int)_table.Waiters;

    /// <summary>Waits to read <paramref name="key"/> for at most <see cref="DefaultTimeout"/>.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held read lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask<LockHandle> ReadLockAsync(TKey key, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: true, _table.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to read <paramref name="key"/> for at most <paramref name="timeout"/>.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held read lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> ReadLockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: true, timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to read <paramref name="key"/> for at most <paramref name="timeout"/>; a timeout is reported, not thrown.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held read lock, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> TryReadLockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: true, timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>Waits to write <paramref name="key"/> for at most <see cref="DefaultTimeout"/>.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held write lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask<LockHandle> WriteLockAsync(TKey key, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: false, _table.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to write <paramref name="key"/> for at most <paramref name="timeout"/>.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held write lock; dispose it to release.</returns>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> WriteLockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: false, timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits to write <paramref name="key"/> for at most <paramref name="timeout"/>; a timeout is reported, not thrown.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held write lock, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public ValueTask<LockHandle> TryWriteLockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: false, timeout, throwOnTimeout: false, cancellationToken);
}
