using Microsoft.Coyote.Specifications;
using Xunit.Abstractions;

namespace Nuzantara.Concurrency.Coyote.Tests;

/// <summary>Readers never see a half-written state; writers are alone; nothing is left behind.</summary>
public sealed class ReaderWriterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Forever = Timeout.InfiniteTimeSpan;

    [Fact]
    public void Readers_NeverObserveAHalfWrittenTwoFieldState() => Explore.NoBug(output, 500, async () =>
    {
        var locks = new KeyedAsyncReaderWriterLock<int>();
        var state = new TwoFields();
        var readers = 0;
        var writers = 0;

        async Task Write(int value)
        {
            using (await locks.WriteLockAsync(1, Forever))
            {
                Specification.Assert(Interlocked.Increment(ref writers) == 1, "two writers at once");
                Specification.Assert(Volatile.Read(ref readers) == 0, "a writer entered while {0} readers were in", readers);
                state.First = value;
                await Task.Yield();
                state.Second = value;
                Interlocked.Decrement(ref writers);
            }
        }

        async Task Read()
        {
            using (await locks.ReadLockAsync(1, Forever))
            {
                Interlocked.Increment(ref readers);
                Specification.Assert(Volatile.Read(ref writers) == 0, "a reader entered while a writer was in");
                var first = state.First;
                await Task.Yield();
                var second = state.Second;
                Specification.Assert(first == second, "half-written state seen: {0} then {1}", first, second);
                Interlocked.Decrement(ref readers);
            }
        }

        Task[] running = [Task.Run(() => Write(1)), Task.Run(Read), Task.Run(() => Write(2)), Task.Run(Read)];
        await Task.WhenAll(running);
        Specification.Assert(state.First == state.Second, "final state half-written");
        Specification.Assert(locks.ActiveKeys == 0 && locks.Waiters == 0, "left {0} keys and {1} waiters", locks.ActiveKeys, locks.Waiters);
    });

    private sealed class TwoFields
    {
        internal int First;
        internal int Second;
    }
}
