using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nuzantara.Concurrency;

/// <summary>
/// The keys of a keyed lock: a hash table split into partitions, each with its own short lock, holding a state only
/// for keys that are held or waited for.
/// </summary>
/// <remarks>
/// States are pooled per partition and their key cleared on return, so memory follows the keys in use, never the
/// keys ever seen, and an uncontended acquire and release allocate nothing. A concurrent dictionary cannot do this:
/// each insert of a key allocates a node.
/// </remarks>
internal sealed class KeyedLockTable<TKey> : ILockGauges
    where TKey : notnull
{
    private readonly Partition[] _partitions;
    private readonly int _partitionMask;
    private readonly IEqualityComparer<TKey>? _comparer;

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
        for (var i = 0; i < count; i++)
        {
            _partitions[i] = new Partition(instrumentation);
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
                total += Volatile.Read(ref partition.ActiveCount);
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
        Waiter waiter;
        lock (partition.Sync)
        {
            var state = partition.FindOrAddLocked(key, hash, _comparer);
            if (state.TryEnterLocked(read, out var handle))
            {
                Instrumentation.RecordUncontendedWait(read);
                return new ValueTask<LockHandle>(handle);
            }

            if (timeout == TimeSpan.Zero)
            {
                // The state is held (it refused us), so it stays in the table: nothing to undo.
                return Refuse(key, read, throwOnTimeout);
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

    private sealed class KeyState : LockState
    {
        internal KeyState(Partition partition)
            : base(partition)
        {
        }

        internal TKey Key = default!;
        internal int HashCode;
        internal KeyState? NextInBucket;

        protected override void OnIdleLocked() => ((Partition)Partition).RemoveLocked(this);
    }

    private sealed class Partition : LockPartition
    {
        private const int MinBuckets = 4;
        private const int MaxFreeStates = 8;

        private KeyState?[] _buckets = new KeyState?[MinBuckets];
        private KeyState? _free;
        private int _freeCount;

        internal Partition(LockInstrumentation instrumentation)
            : base(instrumentation)
        {
        }

        internal KeyState FindOrAddLocked(TKey key, int hash, IEqualityComparer<TKey>? comparer)
        {
            var buckets = _buckets;
            ref var bucket = ref buckets[hash & (buckets.Length - 1)];
            for (var state = bucket; state is not null; state = state.NextInBucket)
            {
                if (state.HashCode == hash && (comparer is null ? EqualityComparer<TKey>.Default.Equals(state.Key, key) : comparer.Equals(state.Key, key)))
                {
                    return state;
                }
            }

            var added = _free;
            if (added is null)
            {
                added = new KeyState(this);
            }
            else
            {
                _free = added.NextInBucket;
                _freeCount--;
            }

            added.Key = key;
            added.HashCode = hash;
            added.NextInBucket = bucket;
            bucket = added;
            if (++ActiveCount > buckets.Length)
            {
                Resize(buckets.Length * 2);
            }

            return added;
        }

        internal void RemoveLocked(KeyState state)
        {
            var buckets = _buckets;
            ref var link = ref buckets[state.HashCode & (buckets.Length - 1)];
            while (link != state)
            {
                link = ref link!.NextInBucket;
            }

            link = state.NextInBucket;
            ActiveCount--;

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

            // Shrink after a burst of keys so memory follows the keys in use.
            if (buckets.Length > MinBuckets && ActiveCount <= buckets.Length >> 3)
            {
                Resize(buckets.Length >> 1);
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

            _buckets = resized;
        }
    }
}
