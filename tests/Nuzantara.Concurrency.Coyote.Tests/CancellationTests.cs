using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using Xunit.Abstractions;

namespace Nuzantara.Concurrency.Coyote.Tests;

/// <summary>A waiter cancelled while the holder releases: it is granted or cancelled, never both, never lost.</summary>
/// <remarks>
/// <para>Coyote explores the race between <c>Cancel</c> and the release at the granularity of whole operations: it
/// chooses which of the two runs first (a controlled choice, recorded in the schedule) and interleaves everything
/// else, the woken waiters' continuations included. It cannot let the two overlap: when the release grants the
/// waiter while the waiter's cancellation callback is running on the cancelling operation, the release disposes the
/// waiter's <see cref="CancellationTokenRegistration"/>, which spin-waits inside the BCL (uncontrolled) for that
/// callback; the scheduler keeps the cancelling operation paused, so the spin never ends and Coyote reports a
/// "potential deadlock or hang" that cannot happen outside the scheduler.</para>
/// <para>Cancellation racing an acquisition does overlap for real: nothing disposes the registration until the
/// release, which runs after both.</para>
/// </remarks>
public sealed class CancellationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Forever = Timeout.InfiniteTimeSpan;

    private enum Outcome
    {
        Pending,
        Granted,
        Cancelled,
    }

    [Fact]
    public void ExclusiveWaiter_CancelledWhileHolderReleases_IsGrantedOrCancelled_AndTheNextWaiterGetsIn() => Explore.NoBug(output, 500, async () =>
    {
        var locks = new KeyedAsyncLock<string>();
        var inside = 0;
        var holder = await locks.LockAsync("k", Forever);
        using var cts = new CancellationTokenSource();

        async Task<Outcome> Wait(CancellationToken cancellationToken)
        {
            try
            {
                using (await locks.LockAsync("k", Forever, cancellationToken))
                {
                    Specification.Assert(Interlocked.Increment(ref inside) == 1, "two holders of one key");
                    await Task.Yield();
                    Interlocked.Decrement(ref inside);
                    return Outcome.Granted;
                }
            }
            catch (OperationCanceledException e)
            {
                Specification.Assert(e.CancellationToken == cancellationToken, "cancelled by another token");
                return Outcome.Cancelled;
            }
        }

        // Queued in this order before anything runs: the cancellable waiter first, a plain waiter behind it.
        var cancellable = Wait(cts.Token);
        var behind = Wait(CancellationToken.None);
        Specification.Assert(locks.Waiters == 2, "expected two queued waiters, found {0}", locks.Waiters);

        var cancelFirst = Generator.Create().NextBoolean();
        await Task.Run(() => InOrder(cancelFirst, cts.Cancel, holder.Dispose));

        var outcome = await cancellable;
        Specification.Assert(
            outcome == (cancelFirst ? Outcome.Cancelled : Outcome.Granted),
            "cancel {0} the release, yet the waiter ended {1}",
            cancelFirst ? "before" : "after",
            outcome);
        Specification.Assert(await behind == Outcome.Granted, "the waiter behind was not granted");
        Specification.Assert(locks.ActiveKeys == 0 && locks.Waiters == 0, "left {0} keys and {1} waiters", locks.ActiveKeys, locks.Waiters);
    });

    [Fact]
    public void WriteWaiter_CancelledWhileReaderReleases_LetsTheReaderQueuedBehindItIn() => Explore.NoBug(output, 500, async () =>
    {
        // A waiting writer holds back later readers; cancelling it must let them in at once (or, when it was
        // granted first, after it), and no reader is ever inside with the writer.
        var locks = new KeyedAsyncReaderWriterLock<int>();
        var readers = 0;
        var writers = 0;
        var firstReader = await locks.ReadLockAsync(1, Forever);
        Interlocked.Increment(ref readers);
        using var cts = new CancellationTokenSource();

        async Task<Outcome> Write(CancellationToken cancellationToken)
        {
            try
            {
                using (await locks.WriteLockAsync(1, Forever, cancellationToken))
                {
                    Specification.Assert(Interlocked.Increment(ref writers) == 1, "two writers at once");
                    Specification.Assert(Volatile.Read(ref readers) == 0, "a writer entered while {0} readers were in", readers);
                    await Task.Yield();
                    Interlocked.Decrement(ref writers);
                    return Outcome.Granted;
                }
            }
            catch (OperationCanceledException)
            {
                return Outcome.Cancelled;
            }
        }

        var laterReaderIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Read()
        {
            using (await locks.ReadLockAsync(1, Forever))
            {
                Interlocked.Increment(ref readers);
                laterReaderIn.TrySetResult();
                Specification.Assert(Volatile.Read(ref writers) == 0, "a reader entered while a writer was in");
                await Task.Yield();
                Interlocked.Decrement(ref readers);
            }
        }

        var writer = Write(cts.Token);
        var laterReader = Read();
        Specification.Assert(locks.Waiters == 2, "expected a queued writer and a queued reader, found {0} waiters", locks.Waiters);

        void ReleaseFirstReader()
        {
            Interlocked.Decrement(ref readers);
            firstReader.Dispose();
        }

        var cancelFirst = Generator.Create().NextBoolean();
        if (cancelFirst)
        {
            // Nothing holds the later reader back once the writer is gone: it joins the first reader, which is
            // still in (were it left queued, this wait would never end and Coyote would report the deadlock).
            await Task.Run(cts.Cancel);
            await laterReaderIn.Task;
            await Task.Run(ReleaseFirstReader);
        }
        else
        {
            await Task.Run(() =>
            {
                ReleaseFirstReader();
                cts.Cancel();
            });
        }

        var outcome = await writer;
        Specification.Assert(
            outcome == (cancelFirst ? Outcome.Cancelled : Outcome.Granted),
            "cancel {0} the release, yet the writer ended {1}",
            cancelFirst ? "before" : "after",
            outcome);
        await laterReader;
        Specification.Assert(locks.ActiveKeys == 0 && locks.Waiters == 0, "left {0} keys and {1} waiters", locks.ActiveKeys, locks.Waiters);
    });

    [Fact]
    public void Cancellation_RacingTheAcquisitionItself_EndsTheWait_AndLeavesOnlyTheHolder() => Explore.NoBug(output, 500, async () =>
    {
        // The token may be cancelled before, during or after the waiter registers with it, including while the
        // registration runs the callback inline under the partition lock.
        var locks = new KeyedAsyncLock<string>();
        var holder = await locks.LockAsync("k", Forever);
        using var cts = new CancellationTokenSource();

        async Task<Outcome> Wait()
        {
            try
            {
                using (await locks.LockAsync("k", Forever, cts.Token))
                {
                    return Outcome.Granted;
                }
            }
            catch (OperationCanceledException)
            {
                return Outcome.Cancelled;
            }
        }

        // The key stays held throughout, so only the cancellation can end the wait (a lost waiter shows as a deadlock).
        var waited = Task.Run(Wait);
        Task[] racing = [Task.Run(cts.Cancel), waited];
        await Task.WhenAll(racing);
        Specification.Assert(await waited == Outcome.Cancelled, "the key was held, yet the waiter ended {0}", await waited);
        Specification.Assert(locks.Waiters == 0 && locks.ActiveKeys == 1, "left {0} waiters and {1} keys", locks.Waiters, locks.ActiveKeys);

        holder.Dispose();
        Specification.Assert(locks.ActiveKeys == 0 && locks.Waiters == 0, "left {0} keys and {1} waiters", locks.ActiveKeys, locks.Waiters);
    });

    /// <summary>Runs two steps in the order Coyote chose; each runs whole, never overlapping the other.</summary>
    private static void InOrder(bool cancelFirst, Action cancel, Action release)
    {
        if (cancelFirst)
        {
            cancel();
            release();
        }
        else
        {
            release();
            cancel();
        }
    }
}
