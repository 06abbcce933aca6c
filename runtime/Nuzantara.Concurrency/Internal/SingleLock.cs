namespace Nuzantara.Concurrency;

/// <summary>The one state of an unkeyed lock, which is its own partition.</summary>
internal sealed class SingleLock : LockState, ILockGauges
{
    private SingleLock(LockPartition partition)
        : base(partition)
    {
    }

    internal static SingleLock Create(LockOptions? options, string defaultName, bool readerWriter)
    {
        var instrumentation = new LockInstrumentation(options, defaultName, readerWriter);
        var single = new SingleLock(new LockPartition(instrumentation));

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

        Waiter waiter;
        lock (Partition.Sync)
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

            waiter = EnqueueLocked(read, timeout, throwOnTimeout, key: null, cancellationToken);
        }

        return new ValueTask<LockHandle>(waiter, waiter.Version);
    }

    internal bool IsHeld(bool read)
    {
        lock (Partition.Sync)
        {
            return read ? ReadersLocked > 0 : IsWriteHeldLocked;
        }
    }

    protected override void OnIdleLocked()
    {
    }
}
