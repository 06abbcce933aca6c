using System.Reflection;

namespace Nuzantara.Concurrency.Tests;

/// <summary>
/// The lock-free path of exclusive locks: idle states retained and evicted, generations that make stale handles
/// harmless, eviction racing a lock-free acquire, and no barging past queued waiters.
/// </summary>
public sealed class FastPathTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);
    private static readonly FieldInfo ReleaserField = typeof(LockHandle).GetField("_releaser", BindingFlags.NonPublic | BindingFlags.Instance)!;

    [Fact]
    public async Task StaleHandle_AfterEvictionAndReuseForAnotherKey_DoesNotReleaseTheNewHolder()
    {
        var locks = new KeyedAsyncLock<string>(new LockOptions { Partitions = 1 });
        var stale = await locks.LockAsync("a", Long).Within();
        var state = StateOf(stale);
        stale.Dispose();

        // Hold new keys until one of them is served by a's state: a was evicted by a sweep, pooled and reused.
        var held = new List<LockHandle>();
        var reusedBy = -1;
        for (var i = 0; i < 200 && reusedBy < 0; i++)
        {
            var handle = await locks.LockAsync($"k{i}", Long).Within();
            held.Add(handle);
            if (ReferenceEquals(StateOf(handle), state))
            {
                reusedBy = i;
            }
        }

        Assert.True(reusedBy >= 0, "a's state was never evicted and reused");
        stale.Dispose();
        stale.Dispose();

        Assert.False((await locks.TryLockAsync($"k{reusedBy}", TimeSpan.Zero)).IsAcquired);
        Assert.Equal(held.Count, locks.ActiveKeys);
        using (var again = await locks.TryLockAsync("a", TimeSpan.Zero))
        {
            Assert.True(again.IsAcquired);
        }

        held.ForEach(h => h.Dispose());
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task EvictionAfterALockFreeAcquireReadTheWord_MakesItsCasFail()
    {
        var locks = new KeyedAsyncLock<string>(new LockOptions { Partitions = 1 });
        var first = await locks.LockAsync("a", Long).Within();
        var state = StateOf(first);
        first.Dispose();

        // A lock-free acquire of "a" reads the word (and checks the key)...
        var word = Volatile.Read(ref state.Word);

        // ...then, before its CAS, a sweep evicts the idle state (which is pooled and may already serve another key).
        var held = await HoldUntilEvicted(locks, state, word);

        Assert.NotEqual(word, Volatile.Read(ref state.Word));
        Assert.False(state.TryEnterFast(word, out _));

        // The key itself is still lockable, exclusively, through a fresh state.
        using (var a = await locks.LockAsync("a", Long).Within())
        {
            Assert.False((await locks.TryLockAsync("a", TimeSpan.Zero)).IsAcquired);
        }

        held.ForEach(h => h.Dispose());
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task ALockFreeAcquireBeforeTheSweep_KeepsItsState()
    {
        var locks = new KeyedAsyncLock<string>(new LockOptions { Partitions = 1 });
        var first = await locks.LockAsync("a", Long).Within();
        var state = StateOf(first);
        first.Dispose();

        // The CAS wins before the sweep: the sweep must skip the held state.
        Assert.True(state.TryEnterFast(Volatile.Read(ref state.Word), out var fast));
        var held = new List<LockHandle>();
        for (var i = 0; i < 3 * KeyedLockTable<string>.RetainedIdleStates; i++)
        {
            held.Add(await locks.LockAsync($"k{i}", Long).Within());
        }

        Assert.Equal(0, Volatile.Read(ref state.Word) & LockState.DeadBit);
        Assert.False((await locks.TryLockAsync("a", TimeSpan.Zero)).IsAcquired);
        fast.Dispose();
        using (var again = await locks.TryLockAsync("a", TimeSpan.Zero))
        {
            Assert.True(again.IsAcquired);
        }

        held.ForEach(h => h.Dispose());
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task IdleStates_StayBounded_After100000DistinctKeys_AndDropTheirKeys()
    {
        const int Partitions = 4;
        var locks = new KeyedAsyncLock<string>(new LockOptions { Partitions = Partitions });
        var firstKey = NewKey(locks, 0);
        for (var i = 1; i < 100_000; i++)
        {
            using (await locks.LockAsync($"user-{i}", Long))
            {
            }
        }

        Assert.Equal(0, locks.ActiveKeys);
        Assert.InRange(locks.StatesInTable, 0, Partitions * KeyedLockTable<string>.RetainedIdleStates);

        // The first key was evicted long ago: its state dropped it, so nothing keeps it alive.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(firstKey.IsAlive, "an evicted state still references its key");
    }

    [Fact]
    public async Task Release_HandsOverToAQueuedWaiter_SoALockFreeAcquireCannotBarge()
    {
        var locks = new KeyedAsyncLock<string>();
        var holder = await locks.LockAsync("k", Long).Within();
        var second = locks.LockAsync("k", Long);
        var third = locks.LockAsync("k", Long);

        // Each release hands over without freeing: an acquisition arriving in between (on this thread, before the
        // next holder's continuation runs) finds the key held.
        holder.Dispose();
        Assert.False((await locks.TryLockAsync("k", TimeSpan.Zero)).IsAcquired);
        var secondHandle = await second.Within();
        Assert.False((await locks.TryLockAsync("k", TimeSpan.Zero)).IsAcquired);
        secondHandle.Dispose();
        Assert.False((await locks.TryLockAsync("k", TimeSpan.Zero)).IsAcquired);
        (await third.Within()).Dispose();

        using var free = await locks.TryLockAsync("k", TimeSpan.Zero);
        Assert.True(free.IsAcquired);
    }

    [Fact]
    public async Task AsyncLock_ReleaseHandsOver_SoALockFreeAcquireCannotBarge()
    {
        var gate = new AsyncLock();
        var holder = await gate.LockAsync(Long).Within();
        var next = gate.LockAsync(Long);

        holder.Dispose();
        Assert.False((await gate.TryLockAsync(TimeSpan.Zero)).IsAcquired);
        (await next.Within()).Dispose();

        using var free = await gate.TryLockAsync(TimeSpan.Zero);
        Assert.True(free.IsAcquired);
    }

    [Fact]
    public async Task AfterTheLastWaiterLeaves_TheHolderReleasesAndTheKeyIsFreeAgain()
    {
        var locks = new KeyedAsyncLock<string>();
        using var cts = new CancellationTokenSource();
        var holder = await locks.LockAsync("k", Long).Within();
        var cancelled = locks.LockAsync("k", Long, cts.Token).AsTask();
        var timedOut = locks.TryLockAsync("k", TimeSpan.FromMilliseconds(20));

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled).Within();
        Assert.False((await timedOut.Within()).IsAcquired);
        Assert.Equal(0, locks.Waiters);
        holder.Dispose();

        Assert.Equal(0, locks.ActiveKeys);
        using var free = await locks.TryLockAsync("k", TimeSpan.Zero);
        Assert.True(free.IsAcquired);
    }

    [Fact]
    public async Task HotKeys_StayExclusive_WhileChurningKeysEvictAroundThem()
    {
        // One partition: the churn sweeps and evicts constantly while the hot keys are acquired lock-free.
        var locks = new KeyedAsyncLock<int>(new LockOptions { Partitions = 1 });
        var inside = new int[4];
        var violations = 0;
        var stop = 0;

        async Task Hot(int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < 20_000; i++)
            {
                var key = random.Next(inside.Length);
                using (await locks.LockAsync(key, Long))
                {
                    if (Interlocked.Increment(ref inside[key]) != 1)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    if (random.Next(8) == 0)
                    {
                        await Task.Yield();
                    }

                    Interlocked.Decrement(ref inside[key]);
                }
            }
        }

        async Task Churn()
        {
            for (var key = 1_000; Volatile.Read(ref stop) == 0; key++)
            {
                using (await locks.LockAsync(key, Long))
                {
                }
            }
        }

        var churn = Task.Run(Churn);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(seed => Task.Run(() => Hot(seed)))).WaitAsync(TimeSpan.FromMinutes(2));
        Volatile.Write(ref stop, 1);
        await churn.Within();

        Assert.Equal(0, violations);
        Assert.Equal(0, locks.ActiveKeys);
        Assert.Equal(0, locks.Waiters);
        Assert.InRange(locks.StatesInTable, 0, KeyedLockTable<int>.RetainedIdleStates);
    }

    private static LockState StateOf(LockHandle handle) => (LockState)ReleaserField.GetValue(handle)!;

    private static async Task<List<LockHandle>> HoldUntilEvicted(KeyedAsyncLock<string> locks, LockState state, long word)
    {
        // Held keys cannot be evicted, so the sweeps their additions trigger evict the one idle state: "a".
        var held = new List<LockHandle>();
        for (var i = 0; i < 200 && Volatile.Read(ref state.Word) == word; i++)
        {
            held.Add(await locks.LockAsync($"k{i}", Long).Within());
        }

        return held;
    }

    // Not inlined: the key must not stay in a local of the test method.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference NewKey(KeyedAsyncLock<string> locks, int i)
    {
        var key = new string('u', 1) + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        locks.LockAsync(key, Long).AsTask().GetAwaiter().GetResult().Dispose();
        return new WeakReference(key);
    }
}
