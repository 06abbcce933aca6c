using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace Nuzantara.Concurrency;

internal enum WaiterStatus
{
    Idle,
    Queued,
    Granted,
    TimedOut,
    Cancelled,
}

/// <summary>One pending acquisition: a reusable value-task source with its cancellation hook.</summary>
/// <remarks>
/// <para>Whether a waiter is granted, times out or is cancelled is decided once, under its owner's partition lock;
/// the task is completed afterwards, outside the lock, always asynchronously so a release never runs the next
/// holder's code on the releasing thread.</para>
/// <para>A finite timeout puts the waiter in its partition's deadline list (see <see cref="LockPartition"/>), whose
/// one timer serves every timed waiter of the partition; the list changes only under the partition lock, together
/// with the queues, so a waiter leaves it exactly when it is decided and no late timer can reach a reused waiter.</para>
/// <para>Waiters are pooled. The cancellation registration is disposed (which waits for a running callback) before
/// the waiter can be reused.</para>
/// </remarks>
internal sealed class Waiter : IValueTaskSource<LockHandle>
{
    private static readonly Action<object?> OnCancelled = static state => ((Waiter)state!).Owner?.Abandon((Waiter)state, WaiterStatus.Cancelled);

    private ManualResetValueTaskSourceCore<LockHandle> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private CancellationToken _cancellationToken;
    private bool _throwOnTimeout;
    private object? _key;
    private long _start;
    private long _startTicks;
    private LockHandle _grant;

    internal Waiter? Next;
    internal Waiter? Previous;
    internal Waiter? TimedNext;
    internal Waiter? TimedPrevious;
    internal volatile LockState? Owner;
    internal WaiterStatus Status;
    internal bool IsRead;
    internal bool IsTimed;

    /// <summary>When the wait times out, in <see cref="Environment.TickCount64"/> milliseconds; only while timed.</summary>
    internal long Deadline;

    internal short Version => _core.Version;

    /// <summary>Prepares the waiter for one acquisition; called under the owner's partition lock, after it was queued.</summary>
    internal void ArmLocked(LockState owner, bool read, TimeSpan timeout, bool throwOnTimeout, object? key, CancellationToken cancellationToken)
    {
        Owner = owner;
        IsRead = read;
        Status = WaiterStatus.Queued;
        _throwOnTimeout = throwOnTimeout;
        _key = key;

        // Stopwatch only for the wait-duration histogram, when someone listens.
        _start = LockMetrics.WaitDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            // Whole milliseconds, rounded up, so the wait reported on timeout is never shorter than the timeout.
            _startTicks = Environment.TickCount64;
            Deadline = _startTicks + (long)Math.Ceiling(timeout.TotalMilliseconds);
            owner.Partition.AddTimedLocked(this);
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellationToken = cancellationToken;

            // May run the callback at once if the token was just cancelled; the partition lock is re-entrant and the
            // waiter is already queued, so the callback finds it in a consistent state.
            _registration = cancellationToken.UnsafeRegister(OnCancelled, this);
        }
    }

    internal void SetGrantLocked(LockHandle handle)
    {
        Status = WaiterStatus.Granted;
        _grant = handle;
    }

    /// <summary>Completes a waiter that was granted or abandoned; called outside any lock.</summary>
    internal void Complete(LockInstrumentation instrumentation)
    {
        Disarm();
        var status = Status;
        var tags = instrumentation.TagsOf(IsRead);
        switch (status)
        {
            case WaiterStatus.Granted:
                if (_start != 0 && LockMetrics.WaitDuration.Enabled)
                {
                    LockMetrics.WaitDuration.Record(Stopwatch.GetElapsedTime(_start).TotalSeconds, tags);
                }

                _core.SetResult(_grant);
                break;

            case WaiterStatus.TimedOut:
                LockMetrics.Timeouts.Add(1, tags);
                if (_throwOnTimeout)
                {
                    _core.SetException(new LockTimeoutException(
                        instrumentation.Name,
                        instrumentation.ModeOf(IsRead),
                        TimeSpan.FromMilliseconds(Environment.TickCount64 - _startTicks),
                        _key));
                }
                else
                {
                    _core.SetResult(default);
                }

                break;

            case WaiterStatus.Cancelled:
                LockMetrics.Cancellations.Add(1, tags);
                _core.SetException(new OperationCanceledException(_cancellationToken));
                break;

            default:
                throw new InvalidOperationException($"A waiter was completed in status {status}.");
        }
    }

    private void Disarm()
    {
        // Waits for a cancellation callback that is running on another thread; that callback finds the waiter
        // already decided and returns at once, so this cannot deadlock. After this no callback can reach a reused waiter.
        _registration.Dispose();
        _registration = default;
    }

    public LockHandle GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Owner = null;
            Status = WaiterStatus.Idle;
            _key = null;
            _grant = default;
            _cancellationToken = default;
            _registration = default;
            WaiterPool.Return(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>A small lock-free pool of waiters shared by every lock in the process.</summary>
internal static class WaiterPool
{
    private static readonly Waiter?[] Slots = new Waiter?[Math.Clamp(Environment.ProcessorCount * 16, 64, 1024)];

    internal static Waiter Rent()
    {
        var slots = Slots;
        var start = Environment.CurrentManagedThreadId;
        for (var i = 0; i < 8; i++)
        {
            ref var slot = ref slots[(int)((uint)(start + i) % (uint)slots.Length)];
            var waiter = Interlocked.Exchange(ref slot, null);
            if (waiter is not null)
            {
                return waiter;
            }
        }

        return new Waiter();
    }

    internal static void Return(Waiter waiter)
    {
        var slots = Slots;
        var start = Environment.CurrentManagedThreadId;
        for (var i = 0; i < 8; i++)
        {
            ref var slot = ref slots[(int)((uint)(start + i) % (uint)slots.Length)];
            if (slot is null && Interlocked.CompareExchange(ref slot, waiter, null) is null)
            {
                return;
            }
        }
    }
}

/// <summary>An intrusive FIFO of waiters, so that leaving from the middle (timeout, cancellation) is O(1).</summary>
internal struct WaiterQueue
{
    private Waiter? _head;
    private Waiter? _tail;

    internal readonly bool IsEmpty => _head is null;

    internal void Enqueue(Waiter waiter)
    {
        waiter.Next = null;
        waiter.Previous = _tail;
        if (_tail is null)
        {
            _head = waiter;
        }
        else
        {
            _tail.Next = waiter;
        }

        _tail = waiter;
    }

    internal Waiter? Dequeue()
    {
        var head = _head;
        if (head is not null)
        {
            Remove(head);
        }

        return head;
    }

    internal void Remove(Waiter waiter)
    {
        if (waiter.Previous is null)
        {
            _head = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _tail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Next = null;
        waiter.Previous = null;
    }
}
