using Microsoft.Coyote.Specifications;
using Xunit.Abstractions;

namespace Nuzantara.Concurrency.Coyote.Tests;

/// <summary>Mutual exclusion across an await, explored over many schedules, with no timer and no cancellation.</summary>
public sealed class ExclusiveLockTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Forever = Timeout.InfiniteTimeSpan;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void KeyedLock_IncrementsAcrossAnAwait_LoseNothing_AndLeaveNoKey(int tasks) => Explore.NoBug(output, 500, async () =>
    {
        var locks = new KeyedAsyncLock<string>();
        var counter = 0;
        var inside = 0;
        async Task Increment()
        {
            using (await locks.LockAsync("user-1", Forever))
            {
                Specification.Assert(Interlocked.Increment(ref inside) == 1, "two holders of one key");
                var read = counter;
                await Task.Yield();
                counter = read + 1;
                Interlocked.Decrement(ref inside);
            }
        }

        var running = new Task[tasks];
        for (var i = 0; i < tasks; i++)
        {
            running[i] = Task.Run(Increment);
        }

        await Task.WhenAll(running);
        Specification.Assert(counter == tasks, "lost update: counter is {0}, expected {1}", counter, tasks);
        Specification.Assert(locks.ActiveKeys == 0, "{0} keys left active", locks.ActiveKeys);
        Specification.Assert(locks.Waiters == 0, "{0} waiters left", locks.Waiters);
    });

    [Fact]
    public void KeyedLock_TwoKeysInOnePartition_StayIndependent_AndLeaveNoKey() => Explore.NoBug(output, 500, async () =>
    {
        // One partition: both keys share the partition's lock, bucket chain and state pool.
        var locks = new KeyedAsyncLock<int>(new LockOptions { Partitions = 1 });
        var counters = new int[2];
        async Task Increment(int key)
        {
            using (await locks.LockAsync(key, Forever))
            {
                var read = counters[key];
                await Task.Yield();
                counters[key] = read + 1;
            }
        }

        Task[] running = [Task.Run(() => Increment(0)), Task.Run(() => Increment(1)), Task.Run(() => Increment(0)), Task.Run(() => Increment(1))];
        await Task.WhenAll(running);
        Specification.Assert(counters[0] == 2 && counters[1] == 2, "lost update: counters are {0} and {1}", counters[0], counters[1]);
        Specification.Assert(locks.ActiveKeys == 0, "{0} keys left active", locks.ActiveKeys);
    });

    [Fact]
    public void AsyncLock_IncrementsAcrossAnAwait_LoseNothing() => Explore.NoBug(output, 500, async () =>
    {
        var gate = new AsyncLock();
        var counter = 0;
        async Task Increment()
        {
            using (await gate.LockAsync(Forever))
            {
                var read = counter;
                await Task.Yield();
                counter = read + 1;
            }
        }

        Task[] running = [Task.Run(Increment), Task.Run(Increment), Task.Run(Increment)];
        await Task.WhenAll(running);
        Specification.Assert(counter == 3, "lost update: counter is {0}, expected 3", counter);
        Specification.Assert(!gate.IsHeld && gate.Waiters == 0, "lock left held or waited for");
    });

    [Fact]
    public void TryLockWithZeroTimeout_RacingARelease_EitherEntersAlone_OrIsRefused() => Explore.NoBug(output, 500, async () =>
    {
        // TimeSpan.Zero never arms a timer, so this path is fully controlled.
        var locks = new KeyedAsyncLock<string>();
        var inside = 0;
        var holder = await locks.LockAsync("k", Forever);
        Interlocked.Increment(ref inside);

        var release = Task.Run(() =>
        {
            Interlocked.Decrement(ref inside);
            holder.Dispose();
        });
        var attempt = Task.Run(async () =>
        {
            using var handle = await locks.TryLockAsync("k", TimeSpan.Zero);
            if (handle.IsAcquired)
            {
                Specification.Assert(Interlocked.Increment(ref inside) == 1, "entered while the key was held");
                await Task.Yield();
                Interlocked.Decrement(ref inside);
            }
        });

        Task[] running = [release, attempt];
        await Task.WhenAll(running);
        Specification.Assert(locks.ActiveKeys == 0 && locks.Waiters == 0, "left {0} keys and {1} waiters", locks.ActiveKeys, locks.Waiters);
    });

    [Fact]
    public void KeyedLock_HotKeyLockFree_WhileChurnEvictsIdleStates_StaysExclusive_AndLeavesNoKey() => Explore.NoBug(output, 200, async () =>
    {
        // One partition and more keys than a partition retains idle (16): the churn's additions sweep idle states out
        // while the hot key is taken and released lock-free, so evictions race the hot key's chain walk and CAS.
        var locks = new KeyedAsyncLock<int>(new LockOptions { Partitions = 1 });
        var counter = 0;
        var inside = 0;
        async Task Hot()
        {
            for (var i = 0; i < 2; i++)
            {
                using (await locks.LockAsync(0, Forever))
                {
                    Specification.Assert(Interlocked.Increment(ref inside) == 1, "two holders of the hot key");
                    var read = counter;
                    await Task.Yield();
                    counter = read + 1;
                    Interlocked.Decrement(ref inside);
                }
            }
        }

        async Task Churn()
        {
            for (var key = 1; key <= 18; key++)
            {
                using (await locks.LockAsync(key, Forever))
                {
                }
            }
        }

        Task[] running = [Task.Run(Hot), Task.Run(Hot), Task.Run(Churn)];
        await Task.WhenAll(running);
        Specification.Assert(counter == 4, "lost update: counter is {0}, expected 4", counter);
        Specification.Assert(locks.ActiveKeys == 0, "{0} keys left active", locks.ActiveKeys);
        Specification.Assert(locks.Waiters == 0, "{0} waiters left", locks.Waiters);
    });
}
