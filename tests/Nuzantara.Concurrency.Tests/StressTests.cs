namespace Nuzantara.Concurrency.Tests;

/// <summary>Bounded random schedules: exclusion must hold and every key must be released at the end.</summary>
public sealed class StressTests
{
    private const int Workers = 8;
    private const int OperationsPerWorker = 4_000;

    [Fact]
    public async Task RandomKeysTimeoutsAndCancellations_KeepExclusion_AndLeaveNoKeys()
    {
        var locks = new KeyedAsyncLock<int>(new LockOptions { Partitions = 4 });
        var holders = new int[32];
        var violations = 0;
        var acquired = 0;
        var abandoned = 0;

        async Task Work(int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < OperationsPerWorker; i++)
            {
                var key = random.Next(holders.Length);
                using var cts = new CancellationTokenSource();
                var choice = random.Next(10);
                var timeout = choice switch
                {
                    0 => TimeSpan.Zero,
                    1 => TimeSpan.FromMilliseconds(1),
                    _ => TimeSpan.FromSeconds(30),
                };
                if (choice == 2)
                {
                    cts.CancelAfter(TimeSpan.FromMilliseconds(random.Next(2)));
                }

                LockHandle handle;
                try
                {
                    handle = await locks.TryLockAsync(key, timeout, cts.Token);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref abandoned);
                    continue;
                }

                if (!handle.IsAcquired)
                {
                    Interlocked.Increment(ref abandoned);
                    continue;
                }

                using (handle)
                {
                    if (Interlocked.Increment(ref holders[key]) != 1)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    Interlocked.Increment(ref acquired);
                    if (random.Next(4) == 0)
                    {
                        await Task.Yield();
                    }

                    Interlocked.Decrement(ref holders[key]);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(seed => Task.Run(() => Work(seed)))).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(0, violations);
        Assert.Equal(Workers * OperationsPerWorker, acquired + abandoned);
        Assert.True(acquired > Workers * OperationsPerWorker / 2, $"only {acquired} acquisitions succeeded");
        Assert.Equal(0, locks.ActiveKeys);
        Assert.Equal(0, locks.Waiters);
    }

    [Fact]
    public async Task RandomReadersAndWriters_NeverOverlapAWriter_AndLeaveNoKeys()
    {
        var locks = new KeyedAsyncReaderWriterLock<int>(new LockOptions { Partitions = 2 });
        var readers = new int[8];
        var writers = new int[8];
        var violations = 0;

        async Task Work(int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < OperationsPerWorker; i++)
            {
                var key = random.Next(readers.Length);
                var write = random.Next(4) == 0;
                using var cts = new CancellationTokenSource();
                if (random.Next(10) == 0)
                {
                    cts.CancelAfter(TimeSpan.FromMilliseconds(1));
                }

                LockHandle handle;
                try
                {
                    handle = write
                        ? await locks.WriteLockAsync(key, TimeSpan.FromSeconds(30), cts.Token)
                        : await locks.ReadLockAsync(key, TimeSpan.FromSeconds(30), cts.Token);
                }
                catch (OperationCanceledException)
                {
                    continue;
                }

                using (handle)
                {
                    if (write)
                    {
                        if (Interlocked.Increment(ref writers[key]) != 1 || Volatile.Read(ref readers[key]) != 0)
                        {
                            Interlocked.Increment(ref violations);
                        }

                        await Task.Yield();
                        Interlocked.Decrement(ref writers[key]);
                    }
                    else
                    {
                        Interlocked.Increment(ref readers[key]);
                        if (Volatile.Read(ref writers[key]) != 0)
                        {
                            Interlocked.Increment(ref violations);
                        }

                        await Task.Yield();
                        Interlocked.Decrement(ref readers[key]);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(seed => Task.Run(() => Work(seed)))).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(0, violations);
        Assert.Equal(0, locks.ActiveKeys);
        Assert.Equal(0, locks.Waiters);
    }
}
