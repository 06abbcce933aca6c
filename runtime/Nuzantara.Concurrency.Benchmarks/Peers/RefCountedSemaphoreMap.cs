namespace Nuzantara.Concurrency.Benchmarks.Peers;

/// <summary>
/// The correct hand-written alternative to the leaky <c>ConcurrentDictionary&lt;TKey, SemaphoreSlim&gt;</c>: one
/// <see cref="SemaphoreSlim"/> per key, reference-counted, removed when its last user leaves.
/// </summary>
/// <remarks>
/// <para>The table and every reference count are guarded by one monitor on the table. A user counts itself in
/// before it waits and out after it released, both under that monitor, so an entry is removed only when nobody holds
/// it, waits for it or is about to wait for it, and a late arrival can never be handed a removed semaphore.</para>
/// <para>Nothing is pooled: a key that comes back after it was removed gets a new entry and a new semaphore, which is
/// what the usual implementation of this pattern does.</para>
/// </remarks>
/// <typeparam name="TKey">The key type.</typeparam>
internal sealed class RefCountedSemaphoreMap<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _entries;

    /// <summary>Creates an empty map.</summary>
    /// <param name="comparer">Compares keys; <see langword="null"/> for the default comparer.</param>
    public RefCountedSemaphoreMap(IEqualityComparer<TKey>? comparer = null) => _entries = new Dictionary<TKey, Entry>(comparer);

    /// <summary>Keys held or waited for at this moment.</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Waits for the key.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held key; dispose it to release.</returns>
    public async ValueTask<Releaser> LockAsync(TKey key, CancellationToken cancellationToken = default)
    {
        var entry = Enter(key);
        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }

        return new Releaser(this, key, entry);
    }

    private Entry Enter(TKey key)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                entry = new Entry();
                _entries.Add(key, entry);
            }

            entry.Users++;
            return entry;
        }
    }

    private void Leave(TKey key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    /// <summary>A held key of a <see cref="RefCountedSemaphoreMap{TKey}"/>.</summary>
    public readonly struct Releaser : IDisposable
    {
        private readonly RefCountedSemaphoreMap<TKey> _map;
        private readonly TKey _key;
        private readonly Entry _entry;

        internal Releaser(RefCountedSemaphoreMap<TKey> map, TKey key, Entry entry)
        {
            _map = map;
            _key = key;
            _entry = entry;
        }

        /// <summary>Releases the key; call once.</summary>
        public void Dispose()
        {
            _entry.Semaphore.Release();
            _map.Leave(_key, _entry);
        }
    }

    /// <summary>One key's semaphore and how many users hold it or wait for it; the count is guarded by the map.</summary>
    internal sealed class Entry
    {
        internal SemaphoreSlim Semaphore { get; } = new(1, 1);

        internal int Users { get; set; }
    }
}
