namespace Nuzantara.Concurrency;

/// <summary>The one state of an unkeyed lock, which is its own partition.</summary>
internal sealed class SingleLock : LockState, ILockGauges
{
    private SingleLock(LockPartition partition, bool lockFree)
        : base(partition, lockFree)
    {
    }

    internal static SingleLock Create(LockOptions? options, string defaultName, bool readerWriter)
    {
        var instrumentation = new LockInstrumentation(options, defaultName, readerWriter);
        var single = new SingleLock(new LockPartition(instrumentation), lockFree: !readerWriter);

        // Only named locks report gauges: an unnamed lock per entity would make the registry grow with the entities.
        if (!string.IsNullOrEmpty(options?.Name))
        {
            LockMetrics.Register(single);
        }

        return single;
    }

    internal LockInstrumentation Instrumentation => Partition.Instrumentation;

    public string Name => Instrumentation.Name;

    public long ActiveKeys => 0;

    public long Waiters => Volatile.Read(ref Partition.WaiterCount);

    internal ValueTask<LockHandle> AcquireAsync(bool read, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        LockInstrumentation.ValidateTimeout(timeout);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<LockHandle>(cancellationToken);
        }

        // Exclusive locks: one CAS when the lock is free (see LockState). A free word never has waiters, so this
        // cannot pass a queued waiter; any other word goes to the partition lock.
        if (IsLockFree && TryEnterFast(Volatile.Read(ref Word), out var fast))
        {
            Instrumentation.RecordUncontendedWait(read);
            return new ValueTask<LockHandle>(fast);
        }

        Waiter waiter;
        lock (Partition.Sync)
        {
            while (true)
            {
                if (TryEnterLocked(read, out var handle))
                {
                    Instrumentation.RecordUncontendedWait(read);
                    return new ValueTask<LockHandle>(handle);
                }

                if (timeout == TimeSpan.Zero)
                {
                    LockMetrics.Timeouts.Add(1, Instrumentation.TagsOf(read));
                    return throwOnTimeout
                        ? ValueTask.FromException<LockHandle>(new LockTimeoutException(Instrumentation.Name, Instrumentation.ModeOf(read), TimeSpan.Zero))
                        : default;
                }

                // False only if the holder released lock-free meanwhile: then try to enter again.
                if (read || TryMarkWaitersLocked())
                {
                    break;
                }
            }

            waiter = EnqueueLocked(read, timeout, throwOnTimeout, key: null, cancellationToken);
        }

        return new ValueTask<LockHandle>(waiter, waiter.Version);
    }

    internal bool IsHeld(bool read)
    {
        lock (Partition.Sync)
        {
            return read ? ReadersLocked > 0 : IsWriteHeld;
        }
    }

    protected override void OnIdleLocked()
    {
    }
}
