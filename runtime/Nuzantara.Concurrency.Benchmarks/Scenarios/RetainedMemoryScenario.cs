using System.Collections.Concurrent;
using System.Globalization;
using Nuzantara.Concurrency.Benchmarks.Peers;
using Nuzantara.Concurrency.Benchmarks.Workloads;
using DotNextExclusiveLock = DotNext.Threading.AsyncExclusiveLock;
using NitoAsyncLock = Nito.AsyncEx.AsyncLock;

namespace Nuzantara.Concurrency.Benchmarks.Scenarios;

/// <summary>
/// Scenario 3: the memory a keyed lock still holds after many distinct keys were each acquired and released once,
/// as a service sees one user after another. Not a BenchmarkDotNet benchmark: it measures what stays reachable,
/// with <see cref="GC.GetTotalMemory(bool)"/> after full collections, while the lock itself is kept alive.
/// </summary>
internal static class RetainedMemoryScenario
{
    /// <summary>Distinct keys touched per library.</summary>
    public const int DefaultKeyCount = 1_000_000;

    private const int WarmupKeyCount = 10_000;

    /// <summary>Measures every library in turn, one at a time, in this process.</summary>
    /// <param name="keyCount">Distinct keys to touch once each.</param>
    /// <returns>One result per library.</returns>
    public static async Task<IReadOnlyList<RetainedMemoryResult>> RunAsync(int keyCount = DefaultKeyCount) =>
    [
        await MeasureAsync(
            "NaiveMap",
            keyCount,
            static () => new ConcurrentDictionary<string, SemaphoreSlim>(),
            static async (map, key) =>
            {
                var semaphore = map.GetOrAdd(key, static _ => new SemaphoreSlim(1, 1));
                await semaphore.WaitAsync();
                semaphore.Release();
            }),
        await MeasureAsync(
            "RefCountedMap",
            keyCount,
            static () => new RefCountedSemaphoreMap<string>(),
            static async (map, key) =>
            {
                using (await map.LockAsync(key))
                {
                }
            }),
        await MeasureAsync(
            "NitoPerKey",
            keyCount,
            static () => new ConcurrentDictionary<string, NitoAsyncLock>(),
            static async (map, key) =>
            {
                using (await map.GetOrAdd(key, static _ => new NitoAsyncLock()).LockAsync())
                {
                }
            }),
        await MeasureAsync(
            "DotNext",
            keyCount,
            static () => new ConcurrentDictionary<string, DotNextExclusiveLock>(),
            static async (map, key) =>
            {
                var exclusiveLock = map.GetOrAdd(key, static _ => new DotNextExclusiveLock());
                await exclusiveLock.AcquireAsync();
                exclusiveLock.Release();
            }),
        await MeasureAsync(
            "Nuzantara",
            keyCount,
            static () => new KeyedAsyncLock<string>(),
            static async (keyedLock, key) =>
            {
                using (await keyedLock.LockAsync(key))
                {
                }
            }),
    ];

    /// <summary>Writes the results as a Markdown table.</summary>
    /// <param name="results">What <see cref="RunAsync"/> measured.</param>
    /// <param name="output">Where to write.</param>
    public static void Print(IReadOnlyList<RetainedMemoryResult> results, TextWriter output)
    {
        var keys = results.Count == 0 ? 0 : results[0].Keys;
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// * Retained memory after {keys:N0} distinct keys, each acquired and released once *"));
        output.WriteLine();
        output.WriteLine("| Library       | Empty lock (B) | Retained (B) | Retained (MB) | Per key (B) |");
        output.WriteLine("|---------------|---------------:|-------------:|--------------:|------------:|");
        foreach (var result in results)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {result.Library,-13} | {result.EmptyBytes,14:N0} | {result.RetainedBytes,12:N0} | {result.RetainedBytes / 1024.0 / 1024.0,13:N2} | {result.BytesPerKey,11:N1} |"));
        }

        output.WriteLine();
    }

    private static async Task<RetainedMemoryResult> MeasureAsync<TLock>(
        string library,
        int keyCount,
        Func<TLock> create,
        Func<TLock, string, ValueTask> touch)
        where TLock : class
    {
        // JIT, type initialisers and process-wide pools must not count as what the keys retained.
        await TouchAsync(create(), WarmupKeyCount, touch);

        var beforeCreate = GC.GetTotalMemory(forceFullCollection: true);
        var keyedLock = create();
        var empty = GC.GetTotalMemory(forceFullCollection: true);
        await TouchAsync(keyedLock, keyCount, touch);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(keyedLock);

        return new RetainedMemoryResult(library, keyCount, empty - beforeCreate, after - empty);
    }

    private static async Task TouchAsync<TLock>(TLock keyedLock, int keyCount, Func<TLock, string, ValueTask> touch)
    {
        for (var i = 0; i < keyCount; i++)
        {
            // A new string per key, as a request would bring: a lock that keeps keys keeps their strings too.
            await touch(keyedLock, Keys.Of(i));
        }
    }
}

/// <summary>What one library retained.</summary>
/// <param name="Library">The library's short name, as in the benchmark tables.</param>
/// <param name="Keys">Distinct keys touched.</param>
/// <param name="EmptyBytes">The size of a new, unused lock.</param>
/// <param name="RetainedBytes">Growth from the new lock to the lock after every key was touched and released.</param>
internal sealed record RetainedMemoryResult(string Library, int Keys, long EmptyBytes, long RetainedBytes)
{
    /// <summary>Retained bytes divided by keys touched.</summary>
    public double BytesPerKey => Keys == 0 ? 0 : (double)RetainedBytes / Keys;
}
