namespace Nuzantara.Concurrency;

/// <summary>
/// An async lock per key: one holder per key at a time, keys independent, waiters for a key served first come,
/// first served, every wait bounded by a timeout.
/// </summary>
/// <typeparam name="TKey">The key type, such as a user id or a session id.</typeparam>
/// <remarks>
/// <para>Replaces the <c>ConcurrentDictionary&lt;TKey, SemaphoreSlim&gt;</c> pattern without its leak: the lock keeps
/// state only for keys that are held or waited for (see <see cref="ActiveKeys"/>), pooled and reused, so memory
/// follows the keys in use and an uncontended acquire and release allocate nothing.</para>
/// <para>Waiters resume asynchronously, never on the thread that released the key. Not re-entrant.</para>
/// </remarks>
/// <example>
/// <code>
/// private readonly KeyedAsyncLock&lt;string&gt; _saves = new(new LockOptions { Name = "memory-save" });
///
/// public async Task SaveAsync(string userId, Memory memory, CancellationToken cancellationToken)
/// {
///     using (await _saves.LockAsync(userId, cancellationToken))
///     {
///         var current = await _store.LoadAsync(userId, cancellationToken);
///         await _store.WriteAsync(userId, current.Merge(memory), cancellationToken);
///     }
/// }
/// </code>
/// </example>
public sealed class KeyedAsyncLock<TKey> : IKeyedAsyncLock<TKey>
    where TKey : notnull
{
    private readonly KeyedLockTable<TKey> _table;

    /// <summary>Creates an unnamed keyed lock with the default timeout of five seconds.</summary>
    public KeyedAsyncLock()
        : this(null, null)
    {
    }

    /// <summary>Creates a keyed lock with the given options.</summary>
    /// <param name="options">Name, default timeout and exception settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">The options' default timeout or partition count is out of range.</exception>
    public KeyedAsyncLock(LockOptions? options)
        : this(options, null)
    {
    }

    /// <summary>Creates a keyed lock with the given options and key comparer.</summary>
    /// <param name="options">Name, default timeout and exception settings; <see langword="null"/> for the defaults.</param>
    /// <param name="comparer">Compares keys, such as <see cref="StringComparer.OrdinalIgnoreCase"/> for emails.</param>
    /// <exception cref="ArgumentOutOfRangeException">The options' default timeout or partition count is out of range.</exception>
    public KeyedAsyncLock(LockOptions? options, IEqualityComparer<TKey>? comparer)
        => _table = new KeyedLockTable<TKey>(new LockInstrumentation(options, "KeyedAsyncLock", readerWriter: false), options, comparer);

    /// <summary>The lock's name, as used in metrics and exceptions.</summary>
    public string Name => _table.Name;

    /// <summary>The timeout of <see cref="LockAsync(TKey, CancellationToken)"/>.</summary>
    public TimeSpan DefaultTimeout => _table.Instrumentation.DefaultTimeout;

    /// <summary>How many keys are held or waited for at this moment; zero once every holder and waiter has left.</summary>
    public int ActiveKeys => (int)_table.ActiveKeys;

    /// <summary>How many acquisitions are waiting at this moment, over all keys.</summary>
    public int Waiters => (int)_table.Waiters;

    /// <summary>States in the table, in use or idle and retained for the lock-free path; for tests.</summary>
    internal int StatesInTable => (int)_table.StatesInTable;

    /// <inheritdoc />
    public ValueTask<LockHandle> LockAsync(TKey key, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: false, _table.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LockHandle> LockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: false, timeout, throwOnTimeout: true, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LockHandle> TryLockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _table.AcquireAsync(key, read: false, timeout, throwOnTimeout: false, cancellationToken);
}
