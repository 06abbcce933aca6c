using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Nuzantara.Concurrency.Benchmarks.Scenarios;

/// <summary>
/// Scenario 4a: what a timeout costs when the lock is free. Each library is its own group with its untimed
/// acquisition as the baseline, so the Ratio column is the price of the timeout.
/// </summary>
/// <remarks>BenchmarkDotNet classes cannot be sealed: it derives from them.</remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TimedUncontendedBenchmarks
{
    private const string Key = "user-42";

    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    private readonly KeyedAsyncLock<string> _nuzantara = new();
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    /// <summary>Our keyed lock, waiting for ever.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.Nuzantara)]
    public async Task NuzantaraUntimed()
    {
        using (await _nuzantara.LockAsync(Key, Timeout.InfiniteTimeSpan))
        {
            // Work would go here.
        }
    }

    /// <summary>Our keyed lock, waiting at most five seconds.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Nuzantara)]
    public async Task NuzantaraTimed()
    {
        using (await _nuzantara.LockAsync(Key, FiveSeconds))
        {
            // Work would go here.
        }
    }

    /// <summary><see cref="SemaphoreSlim.WaitAsync()"/>.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Categories.SemaphoreSlim)]
    public async Task SemaphoreSlimUntimed()
    {
        await _semaphore.WaitAsync();
        _semaphore.Release();
    }

    /// <summary><see cref="SemaphoreSlim.WaitAsync(TimeSpan)"/>; a free semaphore returns <see langword="true"/> at once.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.SemaphoreSlim)]
    public async Task SemaphoreSlimTimed()
    {
        if (await _semaphore.WaitAsync(FiveSeconds))
        {
            _semaphore.Release();
        }
    }
}
