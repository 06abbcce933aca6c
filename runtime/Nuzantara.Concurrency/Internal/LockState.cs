using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Nuzantara.Concurrency;

/// <summary>
/// A partition of a lock: the mutual exclusion that guards the states of its keys, their pools, and the deadlines of
/// their timed waiters.
/// </summary>
/// <remarks>
/// <para>Timed waiters of a partition sit in one list sorted by deadline, guarded by <see cref="Sync"/> (which every
/// queue operation already holds), and one timer per partition is armed to the earliest deadline. A wait therefore
/// costs a list insertion and removal instead of two <see cref="Timer.Change(TimeSpan, TimeSpan)"/> calls; the timer is
/// moved only when a new deadline is earlier than the one it is armed for, and a waiter that leaves early does not
/// disarm it (the timer fires, finds nothing due and re-arms to the new earliest deadline).</para>
/// <para>Deadlines use <see cref="Environment.TickCount64"/> (milliseconds, the clock timers themselves use), so a
/// timed wait never reads <see cref="Stopwatch"/> unless a wait-duration listener is enabled.</para>
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The timer lives as long as the lock; it is armed only while timed waiters exist and disarms itself when they are gone.")]
internal class LockPartition
{
    private const int MaxFreeTickets = 16;

    private ReadTicket? _freeTickets;
    private int _freeTicketCount;

    private Waiter? _timedHead;
    private Waiter? _timedTail;
    private Timer? _timer;
    private long _timerDue = long.MaxValue;

    internal LockPartition(LockInstrumentation instrumentation) => Instrumentation = instrumentation;

    internal SyncLock Sync { get; } = new();

    internal LockInstrumentation Instrumentation { get; }

    /// <summary>Acquisitions queued in this partition; written under <see cref="Sync"/>.</summary>
    internal int WaiterCount;

    /// <summary>States in this partition's table, held, waited for or idle; written under <see cref="Sync"/>.</summary>
    internal int Count;

    /// <summary>
    /// Above this many states, a lock-free release comes back under <see cref="Sync"/> to drop its state if it is still
    /// idle (<see cref="EvictIfIdle"/>); no limit for a single lock, which is its own only state.
    /// </summary>
    internal int RetainLimit = int.MaxValue;

    /// <summary>A lock-free release left its state idle while the partition holds more than <see cref="RetainLimit"/>.</summary>
    internal virtual void EvictIfIdle(LockState state)
    {
    }

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

    /// <summary>Adds a queued waiter with a finite deadline to the deadline list; under <see cref="Sync"/>.</summary>
    internal void AddTimedLocked(Waiter waiter)
    {
        // Sorted by deadline, searched from the tail: waits of one lock mostly share a timeout, so a new deadline is
        // usually the latest and the insertion O(1).
        var after = _timedTail;
        while (after is not null && after.Deadline > waiter.Deadline)
        {
            after = after.TimedPrevious;
        }

        waiter.TimedPrevious = after;
        waiter.TimedNext = after is null ? _timedHead : after.TimedNext;
        if (waiter.TimedNext is null)
        {
            _timedTail = waiter;
        }
        else
        {
            waiter.TimedNext.TimedPrevious = waiter;
        }

        if (after is null)
        {
            _timedHead = waiter;
        }
        else
        {
            after.TimedNext = waiter;
        }

        waiter.IsTimed = true;
        if (waiter.Deadline < _timerDue)
        {
            ArmTimerLocked(waiter.Deadline, Environment.TickCount64);
        }
    }

    /// <summary>Removes a waiter from the deadline list if it is there; under <see cref="Sync"/>.</summary>
    internal void RemoveTimedLocked(Waiter waiter)
    {
        if (!waiter.IsTimed)
        {
            return;
        }

        waiter.IsTimed = false;
        if (waiter.TimedPrevious is null)
        {
            _timedHead = waiter.TimedNext;
        }
        else
        {
            waiter.TimedPrevious.TimedNext = waiter.TimedNext;
        }

        if (waiter.TimedNext is null)
        {
            _timedTail = waiter.TimedPrevious;
        }
        else
        {
            waiter.TimedNext.TimedPrevious = waiter.TimedPrevious;
        }

        waiter.TimedNext = null;
        waiter.TimedPrevious = null;

        // The timer stays armed: it fires, finds nothing due and re-arms (cheaper than moving it on every grant).
    }

    private void ArmTimerLocked(long due, long now)
    {
        if (_timer is null)
        {
            // The timer must not capture the first caller's execution context (and its AsyncLocals) for ever.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = new Timer(static state => ((LockPartition)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
            }
        }

        _timerDue = due;
        _timer.Change(Math.Max(due - now, 1), Timeout.Infinite);
    }

    /// <summary>Times out every waiter whose deadline has passed, one at a time, then re-arms for the next.</summary>
    private void OnTimer()
    {
        while (true)
        {
            Waiter expired;
            Waiter? granted;
            lock (Sync)
            {
                var now = Environment.TickCount64;
                var head = _timedHead;
                if (head is null || head.Deadline > now)
                {
                    // A callback can also come from an earlier arming; this one re-derives everything under the lock.
                    _timerDue = long.MaxValue;
                    if (head is not null)
                    {
                        ArmTimerLocked(head.Deadline, now);
                    }

                    return;
                }

                // Linked in this partition's deadline list means queued here, undecided: the list and the queues
                // change together under this lock.
                expired = head;
                granted = expired.Owner!.AbandonLocked(expired, WaiterStatus.TimedOut);
            }

            LockState.CompleteAll(granted, Instrumentation);
            expired.Complete(Instrumentation);
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
/// <para>Invariant: whenever a waiter is queued, the state is held. Every release and every waiter leaving re-establishes
/// it by granting whoever may now enter, so a state that is neither held nor waited for is idle.
/// Policy: a writer that arrives while a writer is queued waits behind it, and so does a reader (writers cannot
/// starve); when a writer leaves, every queued reader enters together (readers cannot starve either).</para>
/// <para>The writer (or exclusive holder) lives in <see cref="Word"/>: the generation in the upper 32 bits (the token
/// of the current or next holding), and three flags: <see cref="HeldBit"/>, <see cref="WaitersBit"/> (write waiters
/// are queued; kept only by lock-free states) and <see cref="DeadBit"/> (evicted from its table, never again entered
/// under this incarnation). Every change of the word goes through <see cref="Interlocked"/>, also under the partition
/// lock, because lock-free states are entered and released without that lock.</para>
/// <para>Lock-free states (exclusive locks) allow two lock-free steps, each a single compare-and-swap:
/// <list type="bullet">
/// <item>Acquire: free word → held word, same generation. It only succeeds on a word with no flag at all: a free
/// word never has waiters (a release with waiters hands the lock over without freeing it), so the fast path can
/// never barge past a queued waiter; and a dead word is never free again, so an evicted state cannot be entered.</item>
/// <item>Release: held word of the handle's generation, without waiters → free word of the next generation. A stale
/// handle (older generation) or a second dispose cannot match; with waiters the CAS fails and the release takes the
/// partition lock to hand over in FIFO order.</item>
/// </list>
/// Every other transition (set or clear <see cref="WaitersBit"/>, hand over, evict, revive) happens under the
/// partition lock. Word values never repeat (the generation only grows, 2^32 transitions apart), so a CAS whose
/// expected value was read earlier succeeds only if nothing at all happened to the state in between.</para>
/// </remarks>
internal abstract class LockState : LockReleaser
{
    internal const long HeldBit = 1;
    internal const long WaitersBit = 2;
    internal const long DeadBit = 4;
    internal const long GenerationUnit = 1L << 32;
    internal const long FlagsMask = GenerationUnit - 1;

    /// <summary>Generation and flags; see the remarks of the class.</summary>
    internal long Word;

    private WaiterQueue _readWaiters;
    private WaiterQueue _writeWaiters;
    private int _readers;
    private long _writeSince;

    protected LockState(LockPartition partition, bool lockFree)
    {
        Partition = partition;
        IsLockFree = lockFree;
    }

    internal LockPartition Partition { get; }

    /// <summary>Whether this state is entered and released lock-free when uncontended (exclusive locks).</summary>
    internal bool IsLockFree { get; }

    internal bool IsIdleLocked => !IsWriteHeld && _readers == 0 && _readWaiters.IsEmpty && _writeWaiters.IsEmpty;

    internal bool IsWriteHeld => (Volatile.Read(ref Word) & HeldBit) != 0;

    internal int ReadersLocked => _readers;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int TokenOf(long word) => (int)(word >> 32);

    /// <summary>
    /// The lock-free acquire: one CAS from <paramref name="word"/>, which the caller read (with acquire semantics)
    /// before it checked anything else about this state, such as its key.
    /// </summary>
    /// <remarks>
    /// If the CAS succeeds the word kept the value <paramref name="word"/> from that read until now; word values never
    /// repeat, so nothing happened to the state in between: it was not evicted, not revived for another key, not
    /// taken. Whatever the caller checked in that interval (the key) still holds.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryEnterFast(long word, out LockHandle handle)
    {
        if ((word & FlagsMask) == 0 && Interlocked.CompareExchange(ref Word, word | HeldBit, word) == word)
        {
            if (LockMetrics.HoldDuration.Enabled)
            {
                _writeSince = Stopwatch.GetTimestamp();
            }

            handle = new LockHandle(this, TokenOf(word));
            return true;
        }

        handle = default;
        return false;
    }

    /// <summary>Takes the lock at once if it is free for this mode; under the partition lock.</summary>
    internal bool TryEnterLocked(bool read, out LockHandle handle)
    {
        if (read)
        {
            if (!IsWriteHeld && _writeWaiters.IsEmpty)
            {
                _readers++;
                var ticket = Partition.RentTicketLocked(this);
                handle = new LockHandle(ticket, ticket.Token);
                return true;
            }
        }
        else if (_readers == 0)
        {
            // No check of the queues: waiters exist only while the state is held, so a free state has none.
            // A CAS even here: a lock-free acquire may take the word at the same moment; a failed CAS means it did.
            var word = Volatile.Read(ref Word);
            Debug.Assert((word & DeadBit) == 0, "A state reached under the partition lock is in its table, so alive.");
            if ((word & HeldBit) == 0 && Interlocked.CompareExchange(ref Word, word | HeldBit, word) == word)
            {
                _writeSince = LockMetrics.HoldDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
                handle = new LockHandle(this, TokenOf(word));
                return true;
            }
        }

        handle = default;
        return false;
    }

    /// <summary>
    /// Before queueing a writer on a lock-free state: sets <see cref="WaitersBit"/>, so the holder's lock-free release
    /// fails and comes to the partition lock to hand over. False if the word was freed meanwhile (try to enter again).
    /// </summary>
    internal bool TryMarkWaitersLocked()
    {
        if (!IsLockFree)
        {
            return true;
        }

        var word = Volatile.Read(ref Word);
        while ((word & HeldBit) != 0)
        {
            if ((word & WaitersBit) != 0)
            {
                return true;
            }

            // Races only with the holder's lock-free release (held → free); whichever CAS comes first wins.
            var seen = Interlocked.CompareExchange(ref Word, word | WaitersBit, word);
            if (seen == word)
            {
                return true;
            }

            word = seen;
        }

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
        // Read before the release: once released, the next holder owns the field.
        var since = _writeSince;
        if (IsLockFree)
        {
            // Lock-free release: held word of this handle's generation with no waiters → free, next generation.
            // Fails for a stale handle or a second dispose (other generation, or not held) and when waiters are
            // queued (the flag differs); those go to the partition lock below.
            var held = ((long)token << 32) | HeldBit;
            if (Interlocked.CompareExchange(ref Word, held - HeldBit + GenerationUnit, held) == held)
            {
                // A racy read: the limit is a memory bound, not an invariant; a late or missed eviction is harmless.
                var partition = Partition;
                if (partition.Count > partition.RetainLimit)
                {
                    partition.EvictIfIdle(this);
                }

                partition.Instrumentation.RecordHold(read: false, since);
                return;
            }
        }

        Waiter? granted;
        lock (Partition.Sync)
        {
            var word = Volatile.Read(ref Word);
            if ((word & HeldBit) == 0 || TokenOf(word) != token)
            {
                return;
            }

            if (!_writeWaiters.IsEmpty && _readWaiters.IsEmpty)
            {
                granted = HandOverLocked(word);
            }
            else if (!TryFreeLocked(word))
            {
                // Without waiters a copy of this handle, disposed at the same moment, released it lock-free first.
                return;
            }
            else if (_readWaiters.IsEmpty)
            {
                // A writer never holds alongside readers, so the state is idle now.
                granted = null;
                OnIdleLocked();
            }
            else
            {
                // Reader-writer states only: when a writer leaves, every queued reader enters together.
                granted = GrantReadersLocked();
            }
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
        if (_writeWaiters.IsEmpty && !_readWaiters.IsEmpty)
        {
            return GrantReadersLocked();
        }

        if (_writeWaiters.IsEmpty)
        {
            OnIdleLocked();
            return null;
        }

        // Reader-writer states are never lock-free: under the lock nobody else changes the word.
        var word = Volatile.Read(ref Word);
        var next = DequeueWriterLocked();
        Interlocked.Exchange(ref Word, word | HeldBit);
        _writeSince = LockMetrics.HoldDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        next.SetGrantLocked(new LockHandle(this, TokenOf(word)));
        return next;
    }

    /// <summary>A waiter's token was cancelled (or its deadline passed, seen from outside the partition lock).</summary>
    internal void Abandon(Waiter waiter, WaiterStatus outcome)
    {
        Waiter? granted;
        lock (Partition.Sync)
        {
            // The waiter may have been decided meanwhile, or already reused elsewhere.
            if (waiter.Owner != this || waiter.Status != WaiterStatus.Queued)
            {
                return;
            }

            granted = AbandonLocked(waiter, outcome);
        }

        CompleteAll(granted, Partition.Instrumentation);
        waiter.Complete(Partition.Instrumentation);
    }

    /// <summary>Takes a queued waiter out with the given outcome; under the partition lock. Returns readers to grant.</summary>
    internal Waiter? AbandonLocked(Waiter waiter, WaiterStatus outcome)
    {
        Waiter? granted = null;
        Partition.RemoveTimedLocked(waiter);
        if (waiter.IsRead)
        {
            _readWaiters.Remove(waiter);
        }
        else
        {
            _writeWaiters.Remove(waiter);
            if (IsLockFree && _writeWaiters.IsEmpty)
            {
                // The word is held with waiters: no lock-free step can change such a word (the acquire needs it free,
                // the release needs it without waiters), so this is the only writer. Clearing the flag lets the
                // holder release lock-free again.
                var word = Volatile.Read(ref Word);
                Debug.Assert((word & (HeldBit | WaitersBit)) == (HeldBit | WaitersBit), "Waiters imply a held, flagged word.");
                Interlocked.Exchange(ref Word, word & ~WaitersBit);
            }

            // Readers that queued only because this writer was waiting may go now.
            if (!IsWriteHeld && _writeWaiters.IsEmpty && !_readWaiters.IsEmpty)
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

        return granted;
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

    /// <summary>The state holds nothing and nobody waits (seen under the partition lock); keyed locks may drop it.</summary>
    protected abstract void OnIdleLocked();

    /// <summary>
    /// The holder of <paramref name="word"/> leaves and the next queued writer takes over: the word stays held (nobody
    /// can enter between the two holders), next generation; under the partition lock.
    /// </summary>
    private Waiter HandOverLocked(long word)
    {
        // Held with waiters: for lock-free states the word carries the flag, so no lock-free step can change it (the
        // acquire needs a free word, the release a word without waiters), and every other step holds this lock.
        Debug.Assert(!IsLockFree || (word & WaitersBit) != 0, "Queued writers on a lock-free state imply the flag.");
        var next = DequeueWriterLocked();
        var handedOver = (word & ~WaitersBit) + GenerationUnit;
        if (IsLockFree && !_writeWaiters.IsEmpty)
        {
            handedOver |= WaitersBit;
        }

        var seen = Interlocked.Exchange(ref Word, handedOver);
        Debug.Assert(seen == word, "Nobody changes a held, flagged word outside the partition lock.");
        _writeSince = LockMetrics.HoldDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        next.SetGrantLocked(new LockHandle(this, TokenOf(handedOver)));
        return next;
    }

    /// <summary>
    /// Frees a held word with no queued writer, next generation; under the partition lock. A CAS: without waiters,
    /// a concurrent dispose of a copy of the same handle may free it lock-free first, and then this one does nothing.
    /// </summary>
    private bool TryFreeLocked(long word)
    {
        var freed = (word & ~(HeldBit | WaitersBit)) + GenerationUnit;
        return Interlocked.CompareExchange(ref Word, freed, word) == word;
    }

    private Waiter DequeueWriterLocked()
    {
        var next = _writeWaiters.Dequeue()!;
        Partition.WaiterCount--;
        Partition.RemoveTimedLocked(next);
        return next;
    }

    private Waiter? GrantReadersLocked()
    {
        Waiter? first = null;
        Waiter? last = null;
        while (_readWaiters.Dequeue() is { } reader)
        {
            Partition.WaiterCount--;
            Partition.RemoveTimedLocked(reader);
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
