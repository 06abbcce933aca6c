using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nuzantara.Concurrency;

/// <summary>
/// The keys of a keyed lock: a hash table split into partitions, each with its own short lock.
/// </summary>
/// <remarks>
/// <para>Reader-writer locks keep a state only for keys that are held or waited for: every acquire and release takes
/// the partition lock, and a state is removed as soon as it is idle.</para>
/// <para>Exclusive locks are lock-free when uncontended: the acquire reads the bucket chain without the partition lock
/// and takes the key's state with one CAS, the release frees it with one CAS (see <see cref="LockState"/>). For that,
/// idle states stay in the table for a while: at most <see cref="RetainedIdleStates"/> states per partition beyond
/// those in use. Past that, a release drops its own state, and adding a key sweeps out every idle state (amortised:
/// at most once per as many additions as states remained after the previous sweep). An evicted state's word is
/// marked dead by a CAS from free, so a lock-free acquire that found it either took it first (then it is not
/// evicted) or fails and retries under the lock. Evicted states drop their key and are pooled; a retained idle
/// state keeps its key (and what the key references) alive until it is evicted or reused, which is the price of the
/// lock-free path and bounded per partition.</para>
/// <para>Lock-free readers of a chain may see it while the partition lock relinks it (removal, pooling, resize);
/// they can then miss a key that is there, never find one that is not: a state counts only once its word is
/// validated by the CAS. A miss just takes the locked path, which is authoritative.</para>
/// </remarks>
internal sealed class KeyedLockTable<TKey> : ILockGauges
    where TKey : notnull
{
    private readonly Partition[] _partitions;
    private readonly int _partitionMask;
    private readonly IEqualityComparer<TKey>? _comparer;
    private readonly bool _lockFree;

    internal KeyedLockTable(LockInstrumentation instrumentation, LockOptions? options, IEqualityComparer<TKey>? comparer)
    {
        Instrumentation = instrumentation;
        var requested = options?.Partitions ?? 0;
        if (requested < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), requested, "Partitions must be zero (automatic) or more.");
        }

        var count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(requested == 0 ? Environment.ProcessorCount * 8 : requested, 1, 1 << 16));
        _partitionMask = count - 1;
        _partitions = new Partition[count];
        _lockFree = !instrumentation.IsReaderWriter;
        for (var i = 0; i < count; i++)
        {
            _partitions[i] = new Partition(instrumentation, _lockFree);
        }

        // Value types compare through the devirtualised default comparer when none is given.
        _comparer = typeof(TKey).IsValueType
            ? comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default) ? null : comparer
            : comparer ?? EqualityComparer<TKey>.Default;
        LockMetrics.Register(this);
    }

    internal LockInstrumentation Instrumentation { get; }

    public string Name => Instrumentation.Name;

    public long ActiveKeys
    {
        get
        {
            long total = 0;
            foreach (var partition in _partitions)
            {
                total += partition.ActiveKeys;
            }

            return total;
        }
    }

    /// <summary>States in the table, in use or idle; for tests.</summary>
    internal long StatesInTable
    {
        get
        {
            long total = 0;
            foreach (var partition in _partitions)
            {
                total += Volatile.Read(ref partition.Count);
            }

            return total;
        }
    }

    public long Waiters
    {
        get
        {
            long total = 0;
            foreach (var partition in _partitions)
            {
                total += Volatile.Read(ref partition.WaiterCount);
            }

            return total;
        }
    }

    internal ValueTask<LockHandle> AcquireAsync(TKey key, bool read, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        LockInstrumentation.ValidateTimeout(timeout);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<LockHandle>(cancellationToken);
        }

        var hash = Hash(key);
        var partition = _partitions[PartitionIndex(hash)];
        if (_lockFree && partition.TryEnterFast(key, hash, _comparer, out var fast))
        {
            Instrumentation.RecordUncontendedWait(read);
            return new ValueTask<LockHandle>(fast);
        }

        Waiter waiter;
        lock (partition.Sync)
        {
            var state = partition.FindOrAddLocked(key, hash, _comparer);
            while (true)
            {
                if (state.TryEnterLocked(read, out var handle))
                {
                    Instrumentation.RecordUncontendedWait(read);
                    return new ValueTask<LockHandle>(handle);
                }

                if (timeout == TimeSpan.Zero)
                {
                    // The state is held (it refused us), so it is in use and stays in the table: nothing to undo.
                    return Refuse(key, read, throwOnTimeout);
                }

                // False only if the holder released lock-free meanwhile: then try to enter again.
                if (read || state.TryMarkWaitersLocked())
                {
                    break;
                }
            }

            waiter = state.EnqueueLocked(read, timeout, throwOnTimeout, Instrumentation.IncludeKeyInExceptions ? key : null, cancellationToken);
        }

        return new ValueTask<LockHandle>(waiter, waiter.Version);
    }

    private ValueTask<LockHandle> Refuse(TKey key, bool read, bool throwOnTimeout)
    {
        LockMetrics.Timeouts.Add(1, Instrumentation.TagsOf(read));
        return throwOnTimeout
            ? ValueTask.FromException<LockHandle>(new LockTimeoutException(
                Instrumentation.Name,
                Instrumentation.ModeOf(read),
                TimeSpan.Zero,
                Instrumentation.IncludeKeyInExceptions ? key : null))
            : default;
    }

    // Fibonacci hashing spreads poor hash codes (small integers) over the partitions; its upper bits pick the
    // partition and the hash's own low bits pick the bucket inside it, so the two choices stay independent.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int PartitionIndex(int hash) => (int)(((uint)hash * 0x9E3779B9u) >> 16) & _partitionMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Hash(TKey key) => _comparer is null ? EqualityComparer<TKey>.Default.GetHashCode(key) : _comparer.GetHashCode(key);

    /// <summary>Idle states an exclusive lock's partition may keep for its lock-free path.</summary>
    internal const int RetainedIdleStates = 16;

    private sealed class KeyState : LockState
    {
        internal KeyState(Partition partition, bool lockFree)
            : base(partition, lockFree)
        {
            // Not in any table yet; FindOrAddLocked revives it (clears the flag) just before publishing it.
            Word = DeadBit;
        }

        /// <summary>Written under the partition lock only while the word is dead (before it is published).</summary>
        internal TKey Key = default!;

        internal int HashCode;

        /// <summary>Read lock-free (with <see cref="Volatile"/>); written under the partition lock.</summary>
        internal KeyState? NextInBucket;

        protected override void OnIdleLocked() => ((Partition)Partition).OnIdleLocked(this);
    }

    private sealed class Partition : LockPartition
    {
        private const int MinBuckets = 4;
        private const int MaxFreeStates = 8;

        /// <summary>Bound on the steps of a lock-free chain walk; past it (or on a relinked chain) the locked path decides.</summary>
        private const int MaxFastSteps = 64;

        private readonly bool _lockFree;
        private KeyState?[] _buckets = new KeyState?[MinBuckets];
        private KeyState? _free;
        private int _freeCount;
        private int _sweepAt = RetainedIdleStates;

        internal Partition(LockInstrumentation instrumentation, bool lockFree)
            : base(instrumentation)
        {
            _lockFree = lockFree;
            if (lockFree)
            {
                RetainLimit = RetainedIdleStates;
            }
        }

        /// <summary>Keys held or waited for (idle retained states do not count).</summary>
        internal long ActiveKeys
        {
            get
            {
                if (!_lockFree)
                {
                    // Every state in a reader-writer table is in use: idle ones are removed at once.
                    return Volatile.Read(ref Count);
                }

                // Waiters imply a held word, so held words are the keys in use.
                var active = 0;
                lock (Sync)
                {
                    foreach (var head in _buckets)
                    {
                        for (var state = head; state is not null; state = state.NextInBucket)
                        {
                            if ((Volatile.Read(ref state.Word) & LockState.HeldBit) != 0)
                            {
                                active++;
                            }
                        }
                    }
                }

                return active;
            }
        }

        /// <summary>The lock-free acquire of an exclusive key: a chain walk without the partition lock, then one CAS.</summary>
        /// <remarks>
        /// The word is read (acquire) before the key, and the CAS expects that word: a key is only ever written while
        /// its state's word is dead, and a word that went dead never returns to the value read, so a successful CAS
        /// proves the key compared was the state's key for the whole interval and the state was in the table (a
        /// state leaves its table only dead). Keys are unique among live states, so this is the key's one state.
        /// A miss, a held or flagged word, or a failed CAS all return false: the locked path then decides.
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal bool TryEnterFast(TKey key, int hash, IEqualityComparer<TKey>? comparer, out LockHandle handle)
        {
            var buckets = Volatile.Read(ref _buckets);
            var state = Volatile.Read(ref buckets[hash & (buckets.Length - 1)]);
            for (var steps = 0; state is not null && steps < MaxFastSteps; steps++)
            {
                if (state.HashCode == hash)
                {
                    var word = Volatile.Read(ref state.Word);
                    var stateKey = state.Key;
                    if (stateKey is not null && (comparer is null ? EqualityComparer<TKey>.Default.Equals(stateKey, key) : comparer.Equals(stateKey, key)))
                    {
                        return state.TryEnterFast(word, out handle);
                    }
                }

                state = Volatile.Read(ref state.NextInBucket);
            }

            handle = default;
            return false;
        }

        internal KeyState FindOrAddLocked(TKey key, int hash, IEqualityComparer<TKey>? comparer)
        {
            var buckets = _buckets;
            for (var state = buckets[hash & (buckets.Length - 1)]; state is not null; state = state.NextInBucket)
            {
                if (state.HashCode == hash && (comparer is null ? EqualityComparer<TKey>.Default.Equals(state.Key, key) : comparer.Equals(state.Key, key)))
                {
                    return state;
                }
            }

            if (_lockFree && Count >= _sweepAt)
            {
                SweepLocked();
                buckets = _buckets;
            }

            var added = _free;
            if (added is null)
            {
                added = new KeyState(this, _lockFree);
            }
            else
            {
                _free = added.NextInBucket;
                _freeCount--;
            }

            // The word is dead (new or pooled): no lock-free acquire can take it while key and links change.
            ref var bucket = ref buckets[hash & (buckets.Length - 1)];
            added.Key = key;
            added.HashCode = hash;
            added.NextInBucket = bucket;

            // Revive: free, next generation (a pooled state's earlier words can never match again), then publish.
            // Both writes release: a reader that sees the state or the new word sees the key and links before them.
            Volatile.Write(ref added.Word, (Volatile.Read(ref added.Word) & ~LockState.DeadBit) + LockState.GenerationUnit);
            Volatile.Write(ref bucket, added);
            if (++Count > buckets.Length)
            {
                Resize(buckets.Length * 2);
            }

            return added;
        }

        /// <summary>A state became idle under the lock (released, or its last waiter left).</summary>
        internal void OnIdleLocked(KeyState state)
        {
            if (!_lockFree)
            {
                RemoveLocked(state);
            }
            else if (Count > RetainLimit)
            {
                TryEvictLocked(state);
            }
        }

        internal override void EvictIfIdle(LockState state)
        {
            lock (Sync)
            {
                // The state may have been taken again, evicted by a sweep, or even revived for another key (then it
                // is that key's idle state, and evicting it is just as right); TryEvictLocked checks the word.
                if (Count > RetainLimit)
                {
                    TryEvictLocked((KeyState)state);
                }
            }
        }

        /// <summary>Evicts a lock-free state if its word is free: a CAS to dead, so a lock-free acquire wins or loses cleanly.</summary>
        private bool TryEvictLocked(KeyState state)
        {
            var word = Volatile.Read(ref state.Word);
            if ((word & LockState.FlagsMask) != 0 || Interlocked.CompareExchange(ref state.Word, word | LockState.DeadBit, word) != word)
            {
                return false;
            }

            RemoveLocked(state);
            return true;
        }

        /// <summary>Unlinks a state (dead, or of a reader-writer table) and pools it; under the lock.</summary>
        private void RemoveLocked(KeyState state)
        {
            var buckets = _buckets;
            ref var link = ref buckets[state.HashCode & (buckets.Length - 1)];
            while (link != state)
            {
                link = ref link!.NextInBucket;
            }

            // A reader standing on the state still follows its link into the rest of the chain.
            Volatile.Write(ref link, state.NextInBucket);
            Count--;
            RecycleLocked(state);

            // Shrink after a burst of keys so memory follows the keys in use.
            if (buckets.Length > MinBuckets && Count <= buckets.Length >> 3)
            {
                Resize(buckets.Length >> 1);
            }
        }

        /// <summary>Evicts every idle state of a lock-free partition; under the lock, before a key is added.</summary>
        private void SweepLocked()
        {
            var buckets = _buckets;
            for (var i = 0; i < buckets.Length; i++)
            {
                ref var link = ref buckets[i];
                while (link is { } state)
                {
                    var word = Volatile.Read(ref state.Word);

                    // Free words only, by CAS: a lock-free acquire that takes the word first keeps its state.
                    if ((word & LockState.FlagsMask) == 0 && Interlocked.CompareExchange(ref state.Word, word | LockState.DeadBit, word) == word)
                    {
                        Volatile.Write(ref link, state.NextInBucket);
                        Count--;
                        RecycleLocked(state);
                    }
                    else
                    {
                        link = ref state.NextInBucket;
                    }
                }
            }

            // Amortised: the next sweep waits for as many additions as states remain (all in use now), at least the
            // retained bound, so a partition with many keys in use is not swept on every addition.
            _sweepAt = Math.Max(RetainLimit, Count * 2);
            var size = buckets.Length;
            while (size > MinBuckets && Count <= size >> 3)
            {
                size >>= 1;
            }

            if (size != buckets.Length)
            {
                Resize(size);
            }
        }

        private void RecycleLocked(KeyState state)
        {
            // Drop the key so a pooled state never keeps a caller's key (often personal data) alive.
            state.Key = default!;
            if (_freeCount < MaxFreeStates)
            {
                state.NextInBucket = _free;
                _free = state;
                _freeCount++;
            }
            else
            {
                state.NextInBucket = null;
            }
        }

        private void Resize(int size)
        {
            var resized = new KeyState?[size];
            foreach (var head in _buckets)
            {
                var state = head;
                while (state is not null)
                {
                    var next = state.NextInBucket;
                    ref var bucket = ref resized[state.HashCode & (size - 1)];
                    state.NextInBucket = bucket;
                    bucket = state;
                    state = next;
                }
            }

            // Published whole; readers of the old array may miss keys meanwhile, which sends them to the lock.
            Volatile.Write(ref _buckets, resized);
        }
    }
}
