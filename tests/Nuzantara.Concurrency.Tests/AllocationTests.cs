namespace Nuzantara.Concurrency.Tests;

[Collection(SerialTests.Name)]
public sealed class AllocationTests
{
    private const int Iterations = 10_000;

    [Fact]
    public async Task UncontendedKeyedAcquireAndRelease_AllocatesNothing_InSteadyState()
    {
        var locks = new KeyedAsyncLock<string>();
        string[] keys = ["user-1", "user-2", "user-3", "session-9"];
        await CycleKeyed(locks, keys, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        await CycleKeyed(locks, keys, Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task UncontendedReaderWriterAcquisitions_AllocateNothing_InSteadyState()
    {
        var locks = new KeyedAsyncReaderWriterLock<int>();
        await CycleReaderWriter(locks, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        await CycleReaderWriter(locks, Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task UncontendedAsyncLock_AllocatesNothing_InSteadyState()
    {
        var gate = new AsyncLock();
        await CycleSingle(gate, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        await CycleSingle(gate, Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static async Task CycleKeyed(KeyedAsyncLock<string> locks, string[] keys, int count)
    {
        var timeout = TimeSpan.FromSeconds(5);
        for (var i = 0; i < count; i++)
        {
            using (await locks.LockAsync(keys[i % keys.Length], timeout))
            {
            }

            using (await locks.LockAsync(keys[(i + 1) % keys.Length]))
            {
            }

            using var attempt = await locks.TryLockAsync(keys[(i + 2) % keys.Length], TimeSpan.Zero);
        }
    }

    private static async Task CycleReaderWriter(KeyedAsyncReaderWriterLock<int> locks, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var first = await locks.ReadLockAsync(i % 8);
            var second = await locks.ReadLockAsync(i % 8);
            first.Dispose();
            second.Dispose();
            using (await locks.WriteLockAsync(i % 8))
            {
            }
        }
    }

    private static async Task CycleSingle(AsyncLock gate, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using (await gate.LockAsync())
            {
            }
        }
    }
}
