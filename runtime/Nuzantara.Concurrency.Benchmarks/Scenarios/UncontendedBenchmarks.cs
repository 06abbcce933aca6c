using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Nuzantara.Concurrency.Benchmarks.Peers;
using DotNextExclusiveLock = DotNext.Threading.AsyncExclusiveLock;
using NitoAsyncLock = Nito.AsyncEx.AsyncLock;

namespace Nuzantara.Concurrency.Benchmarks.Scenarios;

/// <summary>
/// Scenario 1: one caller acquires and releases one key, again and again; nobody else is there. This is the common
/// case in a service (locks per user are rarely contended) and the cost every request pays.
/// </summary>
/// <remarks>
/// Each method is what a user writes: look the key up, await the lock, release it. Maps keep their entry between
/// calls (they never remove it); the reference-counted map and Nuzantara add and drop the key every time, as they
/// would in production. BenchmarkDotNet classes cannot be sealed: it derives from them.
/// </remarks>
[MemoryDiagnoser]
public class UncontendedBenchmarks
{
    private const string Key = "user-42";

    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _naiveMap = new();
    private readonly RefCountedSemaphoreMap<string> _refCountedMap = new();
    private readonly ConcurrentDictionary<string, NitoAsyncLock> _nitoLocks = new();
    private readonly ConcurrentDictionary<string, DotNextExclusiveLock> _dotNextLocks = new();
    private readonly KeyedAsyncLock<string> _nuzantara = new();

    /// <summary>Floor: one <see cref="SemaphoreSlim"/>, no key lookup at all.</summary>
    [Benchmark]
    public async Task SemaphoreSlimFloor()
    {
        await _semaphore.WaitAsync();
        _semaphore.Release();
    }

    /// <summary>The leaky pattern: a semaphore per key, added on first use, never removed.</summary>
    [Benchmark(Baseline = true)]
    public async Task NaiveMap()
    {
        var semaphore = _naiveMap.GetOrAdd(Key, static _ => new SemaphoreSlim(1, 1));
        await semaphore.WaitAsync();
        try
        {
            // Work would go here.
        }
        finally
        {
            semaphore.Release();
        }
    }

    /// <summary>A semaphore per key, reference-counted and removed when the last user leaves.</summary>
    [Benchmark]
    public async Task RefCountedMap()
    {
        using (await _refCountedMap.LockAsync(Key))
        {
            // Work would go here.
        }
    }

    /// <summary>Nito.AsyncEx's <c>AsyncLock</c> per key in a concurrent dictionary, never removed.</summary>
    [Benchmark]
    public async Task NitoPerKey()
    {
        using (await _nitoLocks.GetOrAdd(Key, static _ => new NitoAsyncLock()).LockAsync())
        {
            // Work would go here.
        }
    }

    /// <summary>DotNext's <c>AsyncExclusiveLock</c> per key in a concurrent dictionary, never removed.</summary>
    [Benchmark]
    public async Task DotNext()
    {
        var exclusiveLock = _dotNextLocks.GetOrAdd(Key, static _ => new DotNextExclusiveLock());
        await exclusiveLock.AcquireAsync();
        try
        {
            // Work would go here.
        }
        finally
        {
            exclusiveLock.Release();
        }
    }

    /// <summary>Our keyed lock as the code fixes insert it: <c>LockAsync(key)</c>, with its default five-second timeout.</summary>
    [Benchmark]
    public async Task Nuzantara()
    {
        using (await _nuzantara.LockAsync(Key))
        {
            // Work would go here.
        }
    }
}
