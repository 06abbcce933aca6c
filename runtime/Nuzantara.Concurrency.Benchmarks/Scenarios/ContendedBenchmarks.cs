using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Nuzantara.Concurrency.Benchmarks.Peers;
using Nuzantara.Concurrency.Benchmarks.Workloads;
using DotNextExclusiveLock = DotNext.Threading.AsyncExclusiveLock;
using NitoAsyncLock = Nito.AsyncEx.AsyncLock;

namespace Nuzantara.Concurrency.Benchmarks.Scenarios;

/// <summary>
/// Scenario 2: 64 tasks at once, each making <see cref="AcquisitionsPerTask"/> acquisitions of keys drawn from
/// <see cref="KeyCount"/> keys, and giving the thread back once inside the lock (<c>await Task.Yield()</c>, as an
/// awaited I/O call would). Over 10 keys almost every acquisition waits; over 10,000 almost none does, but the
/// key set churns.
/// </summary>
/// <remarks>
/// Results are per acquisition (<c>OperationsPerInvoke</c>); the Op/s column is the throughput. Every library runs
/// the same key sequences. Most of each operation is the trip through the thread pool, which every library pays:
/// <see cref="NoLockFloor"/> shows it. BenchmarkDotNet classes cannot be sealed: it derives from them.
/// </remarks>
[MemoryDiagnoser]
public class ContendedBenchmarks
{
    /// <summary>Tasks running at once.</summary>
    public const int Tasks = 64;

    /// <summary>Acquisitions made by each task per benchmark invocation.</summary>
    public const int AcquisitionsPerTask = 100;

    private const int Acquisitions = Tasks * AcquisitionsPerTask;

    private ConcurrentWorkload _workload = null!;
    private ConcurrentDictionary<string, SemaphoreSlim> _naiveMap = null!;
    private RefCountedSemaphoreMap<string> _refCountedMap = null!;
    private ConcurrentDictionary<string, NitoAsyncLock> _nitoLocks = null!;
    private ConcurrentDictionary<string, DotNextExclusiveLock> _dotNextLocks = null!;
    private KeyedAsyncLock<string> _nuzantara = null!;

    /// <summary>How many distinct keys the tasks draw from.</summary>
    [Params(10, 10_000)]
    public int KeyCount { get; set; }

    /// <summary>Draws the key sequences and creates empty locks.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _workload = new ConcurrentWorkload(Tasks, AcquisitionsPerTask, Keys.Range(KeyCount));
        _naiveMap = new();
        _refCountedMap = new();
        _nitoLocks = new();
        _dotNextLocks = new();
        _nuzantara = new();
    }

    /// <summary>Checks that the locks that promise to forget idle keys did.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (_refCountedMap.Count != 0 || _nuzantara.ActiveKeys != 0)
        {
            throw new InvalidOperationException(
                $"Keys left behind: reference-counted map {_refCountedMap.Count}, Nuzantara {_nuzantara.ActiveKeys}.");
        }
    }

    /// <summary>Floor: the same tasks and work with no lock at all, the most any lock could reach.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    public Task NoLockFloor() => _workload.RunAsync(NoLockOperationAsync);

    /// <summary>The leaky pattern: a semaphore per key, added on first use, never removed.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = Acquisitions)]
    public Task NaiveMap() => _workload.RunAsync(NaiveMapOperationAsync);

    /// <summary>A semaphore per key, reference-counted and removed when the last user leaves.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    public Task RefCountedMap() => _workload.RunAsync(RefCountedMapOperationAsync);

    /// <summary>Nito.AsyncEx's <c>AsyncLock</c> per key in a concurrent dictionary, never removed.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    public Task NitoPerKey() => _workload.RunAsync(NitoPerKeyOperationAsync);

    /// <summary>DotNext's <c>AsyncExclusiveLock</c> per key in a concurrent dictionary, never removed.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    public Task DotNext() => _workload.RunAsync(DotNextOperationAsync);

    /// <summary>Our keyed lock, with its default five-second timeout.</summary>
    /// <returns>A task that completes when every task has finished.</returns>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    public Task Nuzantara() => _workload.RunAsync(NuzantaraOperationAsync);

    private static async ValueTask NoLockOperationAsync(string key) => await Task.Yield();

    private async ValueTask NaiveMapOperationAsync(string key)
    {
        var semaphore = _naiveMap.GetOrAdd(key, static _ => new SemaphoreSlim(1, 1));
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

    private async ValueTask RefCountedMapOperationAsync(string key)
    {
        using (await _refCountedMap.LockAsync(key))
        {
            await Task.Yield();
        }
    }

    private async ValueTask NitoPerKeyOperationAsync(string key)
    {
        using (await _nitoLocks.GetOrAdd(key, static _ => new NitoAsyncLock()).LockAsync())
        {
            await Task.Yield();
        }
    }

    private async ValueTask DotNextOperationAsync(string key)
    {
        var exclusiveLock = _dotNextLocks.GetOrAdd(key, static _ => new DotNextExclusiveLock());
        await exclusiveLock.AcquireAsync();
        try
        {
            await Task.Yield();
        }
        finally
        {
            exclusiveLock.Release();
        }
    }

    private async ValueTask NuzantaraOperationAsync(string key)
    {
        using (await _nuzantara.LockAsync(key))
        {
            await Task.Yield();
        }
    }
}
