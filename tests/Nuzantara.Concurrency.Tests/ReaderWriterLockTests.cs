namespace Nuzantara.Concurrency.Tests;

public sealed class ReaderWriterLockTests
{
    private static readonly TimeSpan Long = Timeout.InfiniteTimeSpan;

    [Fact]
    public async Task Readers_HoldTogether()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>();

        var readers = new List<LockHandle>();
        for (var i = 0; i < 5; i++)
        {
            var read = locks.ReadLockAsync("doc", Long);
            Assert.True(read.IsCompletedSuccessfully);
            readers.Add(await read);
        }

        Assert.Equal(1, locks.ActiveKeys);
        readers.ForEach(r => r.Dispose());
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task Writer_WaitsForEveryReader()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>();
        var first = await locks.ReadLockAsync("doc", Long).Within();
        var second = await locks.ReadLockAsync("doc", Long).Within();

        var writer = locks.WriteLockAsync("doc", Long);
        first.Dispose();
        Gate.Pending(writer);
        second.Dispose();

        using var held = await writer.Within();
        Assert.True(held.IsAcquired);
    }

    [Fact]
    public async Task Writer_ExcludesReadersAndWriters()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>();
        var writer = await locks.WriteLockAsync("doc", Long).Within();

        var reader = locks.ReadLockAsync("doc", Long);
        var otherWriter = locks.WriteLockAsync("doc", Long);
        Gate.Pending(reader);
        Gate.Pending(otherWriter);

        writer.Dispose();
        using var readHandle = await reader.Within();
        Gate.Pending(otherWriter);
        readHandle.Dispose();
        using var writeHandle = await otherWriter.Within();
    }

    [Fact]
    public async Task WaitingWriter_HoldsBackNewReaders()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>();
        var reader = await locks.ReadLockAsync("doc", Long).Within();
        var writer = locks.WriteLockAsync("doc", Long);

        var lateReader = locks.ReadLockAsync("doc", Long);
        Assert.False((await locks.TryReadLockAsync("doc", TimeSpan.Zero)).IsAcquired);
        Gate.Pending(lateReader);

        reader.Dispose();
        var writeHandle = await writer.Within();
        Gate.Pending(lateReader);
        writeHandle.Dispose();
        using var lateHandle = await lateReader.Within();
    }

    [Fact]
    public async Task ReadersQueuedBehindAWriter_EnterTogether_WhenItLeaves()
    {
        var locks = new KeyedAsyncReaderWriterLock<int>();
        var writer = await locks.WriteLockAsync(1, Long).Within();
        var readers = Enumerable.Range(0, 10).Select(_ => locks.ReadLockAsync(1, Long)).ToArray();
        var secondWriter = locks.WriteLockAsync(1, Long);

        writer.Dispose();

        var handles = new List<LockHandle>();
        foreach (var reader in readers)
        {
            handles.Add(await reader.Within());
        }

        Gate.Pending(secondWriter);
        handles.ForEach(h => h.Dispose());
        using var last = await secondWriter.Within();
    }

    [Fact]
    public async Task CancelledWriter_LetsTheReadersItHeldBack_In()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>();
        using var reader = await locks.ReadLockAsync("doc", Long).Within();
        using var cts = new CancellationTokenSource();
        var writer = locks.WriteLockAsync("doc", Long, cts.Token).AsTask();
        var heldBack = locks.ReadLockAsync("doc", Long);
        Gate.Pending(heldBack);

        cts.Cancel();

        using var admitted = await heldBack.Within();
        Assert.True(admitted.IsAcquired);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer).Within();
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task TimedOutWriter_LetsTheReadersItHeldBack_In()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>(new LockOptions { Name = "collections" });
        using var reader = await locks.ReadLockAsync("doc", Long).Within();
        var writer = locks.WriteLockAsync("doc", TimeSpan.FromMilliseconds(10)).AsTask();
        var heldBack = locks.ReadLockAsync("doc", Long);

        var error = await Assert.ThrowsAsync<LockTimeoutException>(() => writer).Within();

        Assert.Equal(LockMode.Write, error.Mode);
        Assert.Equal("collections", error.LockName);
        using var admitted = await heldBack.Within();
    }

    [Fact]
    public async Task ReadHandleDisposedTwice_ReleasesOneReader()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>();
        var first = await locks.ReadLockAsync("doc", Long).Within();
        using var second = await locks.ReadLockAsync("doc", Long).Within();
        var writer = locks.WriteLockAsync("doc", Long);

        first.Dispose();
        first.Dispose();

        Gate.Pending(writer);
        second.Dispose();
        using var held = await writer.Within();
    }

    [Fact]
    public async Task Keys_AreIndependent()
    {
        var locks = new KeyedAsyncReaderWriterLock<string>();
        using var writer = await locks.WriteLockAsync("a", Long).Within();

        using var otherWriter = await locks.TryWriteLockAsync("b", TimeSpan.Zero);
        using var otherReader = await locks.TryReadLockAsync("c", TimeSpan.Zero);

        Assert.True(otherWriter.IsAcquired);
        Assert.True(otherReader.IsAcquired);
    }

    [Fact]
    public async Task SingleReaderWriterLock_HasTheSameSemantics()
    {
        var rw = new AsyncReaderWriterLock(new LockOptions { Name = "catalog" });
        var r1 = await rw.ReadLockAsync(Long).Within();
        var r2 = await rw.ReadLockAsync(Long).Within();
        Assert.True(rw.IsReadHeld);

        var writer = rw.WriteLockAsync(Long);
        var lateReader = rw.ReadLockAsync(Long);
        r1.Dispose();
        r2.Dispose();
        var w = await writer.Within();
        Assert.True(rw.IsWriteHeld);
        Gate.Pending(lateReader);
        Assert.False((await rw.TryWriteLockAsync(TimeSpan.Zero)).IsAcquired);

        w.Dispose();
        using var late = await lateReader.Within();
        var timedOut = await Assert.ThrowsAsync<LockTimeoutException>(() => rw.WriteLockAsync(TimeSpan.FromMilliseconds(5)).AsTask()).Within();
        Assert.Equal("catalog", timedOut.LockName);
        Assert.Equal(0, rw.Waiters);
    }
}
