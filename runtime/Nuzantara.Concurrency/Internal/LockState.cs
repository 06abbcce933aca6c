using System.Diagnostics;

namespace Nuzantara.Concurrency;

/// <summary>A partition of a lock: the mutual exclusion that guards the states of its keys, and their pools.</summary>
internal class LockPartition
{
    private const int MaxFreeTickets = 16;

    private ReadTicket? _freeTickets;
    private int _freeTicketCount;

    internal LockPartition(LockInstrumentation instrumentation) => Instrumentation = instrumentation;

    internal SyncLock Sync { get; } = new();

    internal LockInstrumentation Instrumentation { get; }

    /// <summary>Keys present in this partition (held or waited for); written under <see cref="Sync"/>.</summary>
    internal int ActiveCount;

    /// <summary>Acquisitions queued in this partition; written under <see cref="Sync"/>.</summary>
    internal int WaiterCount;

    internal ReadTicket RentTicketLocked(LockState state)
    {
        var ticket = _freeTickets;
        if (ticket is null)
        {
            ticket = new ReadTicket(this);
        }
        else
        {
            _freeTickets = ticket.NextFree;
            ticket.NextFree = null;
            _freeTicketCount--;
        }

        ticket.State = state;
        ticket.Since = LockMetrics.HoldDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        return ticket;
    }

    internal void ReturnTicketLocked(ReadTicket ticket)
    {
        ticket.State = null;
        if (_freeTicketCount < MaxFreeTickets)
        {
            ticket.NextFree = _freeTickets;
            _freeTickets = ticket;
            _freeTicketCount++;
        }
    }
}

/// <summary>One reader's hold on a reader-writer lock, so that each read handle releases exactly once.</summary>
internal sealed class ReadTicket : LockReleaser
{
    private readonly LockPartition _partition;

    internal ReadTicket(LockPartition partition) => _partition = partition;

    internal LockState? State;
    internal ReadTicket? NextFree;
    internal int Token;
    internal long Since;

    internal override void Release(int token)
    {
        Waiter? granted;
        long since;
        lock (_partition.Sync)
        {
            if (token != Token || State is null)
            {
                return;
            }

            Token++;
            since = Since;
            var state = State;
            _partition.ReturnTicketLocked(this);
            granted = state.ExitReadLocked();
        }

        _partition.Instrumentation.RecordHold(read: true, since);
        LockState.CompleteAll(granted, _partition.Instrumentation);
    }
}

/// <summary>
/// The state of one lockable thing (one key, or a whole single lock): readers, writer and the two queues.
/// An exclusive lock is this state used in write mode only.
/// </summary>
/// <remarks>
/// Invariant: whenever a waiter is queued, the state is held. Every release and every waiter leaving re-establishes
/// it by granting whoever may now enter, so a state that is neither held nor waited for is idle and can be dropped.
/// Policy: a writer that arrives while a writer is queued waits behind it, and so does a reader (writers cannot
/// starve); when a writer leaves, every queued reader enters together (readers cannot starve either).
/// </remarks>
internal abstract class LockState : LockReleaser
{
    private WaiterQueue _readWaiters;
    private WaiterQueue _writeWaiters;
    private int _readers;
    private bool _writer;
    private int _writeToken;
    private long _writeSince;

    protected LockState(LockPartition partition) => Partition = partition;

    internal LockPartition Partition { get; }

    internal bool IsIdleLocked => !_writer && _readers == 0 && _readWaiters.IsEmpty && _writeWaiters.IsEmpty;

    internal bool IsWriteHeldLocked => _writer;

    internal int ReadersLocked => _readers;

    /// <summary>Takes the lock at once if it is free for this mode; under the partition lock.</summary>
    internal bool TryEnterLocked(bool read, out LockHandle handle)
    {
        if (read)
        {
            if (!_writer && _writeWaiters.IsEmpty)
            {
                _readers++;
                var ticket = Partition.RentTicketLocked(this);
                handle = new LockHandle(ticket, ticket.Token);
                return true;
            }
        }
        else if (!_writer && _readers == 0)
        {
            // No check of the queues: waiters exist only while the state is held, so a free state has none.
            _writer = true;
            _writeSince = LockMetrics.HoldDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
            handle = new LockHandle(this, _writeToken);
            return true;
        }

        handle = default;
        return false;
    }

    /// <summary>Queues an acquisition that could not enter; under the partition lock.</summary>
    internal Waiter EnqueueLocked(bool read, TimeSpan timeout, bool throwOnTimeout, object? key, CancellationToken cancellationToken)
    {
        var waiter = WaiterPool.Rent();
        if (read)
        {
            _readWaiters.Enqueue(waiter);
        }
        else
        {
            _writeWaiters.Enqueue(waiter);
        }

        Partition.WaiterCount++;
        waiter.ArmLocked(this, read, timeout, throwOnTimeout, key, cancellationToken);
        return waiter;
    }

    /// <summary>Releases the writer (or the exclusive holder) identified by <paramref name="token"/>.</summary>
    internal override void Release(int token)
    {
        Waiter? granted;
        long since;
        lock (Partition.Sync)
        {
            if (!_writer || token != _writeToken)
            {
                return;
            }

            _writeToken++;
            _writer = false;
            since = _writeSince;
            granted = _readWaiters.IsEmpty ? GrantWriterOrIdleLocked() : GrantReadersLocked();
        }

        Partition.Instrumentation.RecordHold(read: false, since);
        CompleteAll(granted, Partition.Instrumentation);
    }

    /// <summary>One reader leaves; under the partition lock. Returns the waiters to complete outside the lock.</summary>
    internal Waiter? ExitReadLocked()
    {
        _readers--;
        if (_readers > 0)
        {
            return null;
        }

        // Readers queue only behind a writer, so with no readers left a queued writer goes first.
        return _writeWaiters.IsEmpty && !_readWaiters.IsEmpty ? GrantReadersLocked() : GrantWriterOrIdleLocked();
    }

    /// <summary>A waiter's timer fired or its token was cancelled.</summary>
    internal void Abandon(Waiter waiter, WaiterStatus outcome)
    {
        Waiter? granted = null;
        lock (Partition.Sync)
        {
            // The waiter may have been decided meanwhile, or (for a late timer) already reused elsewhere.
            if (waiter.Owner != this || waiter.Status != WaiterStatus.Queued)
            {
                return;
            }

            if (outcome == WaiterStatus.TimedOut && !waiter.DeadlinePassedLocked(Stopwatch.GetTimestamp()))
            {
                return;
            }

            if (waiter.IsRead)
            {
                _readWaiters.Remove(waiter);
            }
            else
            {
                _writeWaiters.Remove(waiter);

                // Readers that queued only because this writer was waiting may go now.
                if (!_writer && _writeWaiters.IsEmpty && !_readWaiters.IsEmpty)
                {
                    granted = GrantReadersLocked();
                }
            }

            Partition.WaiterCount--;
            waiter.Status = outcome;
            if (IsIdleLocked)
            {
                OnIdleLocked();
            }
        }

        CompleteAll(granted, Partition.Instrumentation);
        waiter.Complete(Partition.Instrumentation);
    }

    /// <summary>Completes a chain of granted waiters; outside any lock.</summary>
    internal static void CompleteAll(Waiter? granted, LockInstrumentation instrumentation)
    {
        while (granted is not null)
        {
            // Read the link first: once completed, the waiter can be awaited, pooled and reused at once.
            var next = granted.Next;
            granted.Next = null;
            granted.Complete(instrumentation);
            granted = next;
        }
    }

    /// <summary>The state holds nothing and nobody waits; keyed locks drop it here.</summary>
    protected abstract void OnIdleLocked();

    private Waiter? GrantWriterOrIdleLocked()
    {
        var next = _writeWaiters.Dequeue();
        if (next is null)
        {
            if (_readers == 0)
            {
                OnIdleLocked();
            }

            return null;
        }

        Partition.WaiterCount--;
        _writer = true;
        _writeSince = LockMetrics.HoldDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        next.SetGrantLocked(new LockHandle(this, _writeToken));
        return next;
    }

    private Waiter? GrantReadersLocked()
    {
        Waiter? first = null;
        Waiter? last = null;
        while (_readWaiters.Dequeue() is { } reader)
        {
            Partition.WaiterCount--;
            _readers++;
            var ticket = Partition.RentTicketLocked(this);
            reader.SetGrantLocked(new LockHandle(ticket, ticket.Token));
            if (last is null)
            {
                first = reader;
            }
            else
            {
                last.Next = reader;
            }

            last = reader;
        }

        return first;
    }
}
