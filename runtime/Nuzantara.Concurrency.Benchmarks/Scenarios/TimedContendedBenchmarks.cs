using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Nuzantara.Concurrency.Benchmarks.Workloads;

namespace Nuzantara.Concurrency.Benchmarks.Scenarios;

/// <summary>
/// Scenario 4b: what a timeout costs when acquisitions wait: the contended workload of
/// <see cref="ContendedBenchmarks"/> over 10 keys, each library with its untimed acquisition as the baseline.
/// </summary>
/// <remarks>
/// The semaphores are a fixed array indexed by key, so their figures are the timeout's cost alone, without a map.
/// BenchmarkDotNet classes cannot be sealed: it derives from them.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TimedContendedBenchmarks
{
    private const int KeyCount = 10;
    private const int Acquisitions = ContendedBenchmarks.Tasks * ContendedBenchmarks.AcquisitionsPerTask;

    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    private readonly KeyedAsyncLock<string> _nuzantara = new();
    private readonly Dictionary<string, SemaphoreSlim> _semaphores = new(StringComparer.Ordinal);
    private ConcurrentWorkload _workload = null!;

    /// <summary>Draws the key sequences and creates one semaphore per key.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var keys = Keys.Range(KeyCount);
        _workload = new ConcurrentWorkload(ContendedBenchmarks.Tasks, ContendedBenchmarks.AcquisitionsPerTask, keys);
        foreach (var key in keys)
        {
            _semaphores.Add(key, new SemaphoreSlim(1, 1));
        }
    }

    /// <summary>Our keyed lock, waiting for ever.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = Acquisitions)]
    [BenchmarkCategory(Categories.Nuzantara)]
    public Task NuzantaraUntimed() => _workload.RunAsync(NuzantaraUntimedOperationAsync);

    /// <summary>Our keyed lock, waiting at most five seconds.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    [BenchmarkCategory(Categories.Nuzantara)]
    public Task NuzantaraTimed() => _workload.RunAsync(NuzantaraTimedOperationAsync);

    /// <summary><see cref="SemaphoreSlim.WaitAsync()"/> on the key's semaphore.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = Acquisitions)]
    [BenchmarkCategory(Categories.SemaphoreSlim)]
    public Task SemaphoreSlimUntimed() => _workload.RunAsync(SemaphoreSlimUntimedOperationAsync);

    /// <summary><see cref="SemaphoreSlim.WaitAsync(TimeSpan)"/> on the key's semaphore.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    [BenchmarkCategory(Categories.SemaphoreSlim)]
    public Task SemaphoreSlimTimed() => _workload.RunAsync(SemaphoreSlimTimedOperationAsync);

    private async ValueTask NuzantaraUntimedOperationAsync(string key)
    {
        using (await _nuzantara.LockAsync(key, Timeout.InfiniteTimeSpan))
        {
            await Task.Yield();
        }
    }

    private async ValueTask NuzantaraTimedOperationAsync(string key)
    {
        using (await _nuzantara.LockAsync(key, FiveSeconds))
        {
            await Task.Yield();
        }
    }

    private async ValueTask SemaphoreSlimUntimedOperationAsync(string key)
    {
        var semaphore = _semaphores[key];
        await semaphore.WaitAsync();
        try
        {
            await Task.Yield();
        }
        finally
        {
            semaphore.Release();
        }
    }

    private async ValueTask SemaphoreSlimTimedOperationAsync(string key)
    {
        var semaphore = _semaphores[key];
        if (!await semaphore.WaitAsync(FiveSeconds))
        {
            throw new TimeoutException("A benchmark acquisition waited more than five seconds.");
        }

        try
        {
            await Task.Yield();
        }
        finally
        {
            semaphore.Release();
        }
    }
}
