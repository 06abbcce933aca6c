using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateVerifier<Nuzantara.Analyzers.Rules.UnsafeSharedCollectionAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class UnsafeSharedCollectionAnalyzerTests
{
    private static readonly string Singleton = Verify.Program("AddSingleton<PriceCache>()");

    [Fact]
    public async Task DictionaryCacheOfDiSingleton_MutatedInAsyncMethod_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public interface IPriceSource { Task<decimal> GetAsync(string sku); }

            public sealed class PriceCache(IPriceSource source)
            {
                private readonly Dictionary<string, decimal> _prices = new();

                public async Task<decimal> GetAsync(string sku)
                {
                    var price = await source.GetAsync(sku);
                    {|#0:_prices.Add(sku, price)|};
                    return price;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0).WithArguments("_prices", "Dictionary<string, decimal>", "modified by 'Add'", "'GetAsync'", "outside any lock", "'PriceCache' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task ListAdd_InThreadSafeType_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using Nuzantara.Concurrency;

            [ThreadSafe]
            public sealed class AuditLog
            {
                private readonly List<string> _entries = new();

                public void Write(string entry) => [|_entries.Add(entry)|];
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task HashSetRemove_InPublicMethodOfBackgroundService_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class SessionReaper : BackgroundService
            {
                private readonly HashSet<string> _live = new();

                public void End(string sessionId) => [|_live.Remove(sessionId)|];

                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task StaticQueue_InPerRequestController_Reports()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class WebhookController
            {
                private static readonly Queue<string> Pending = new();

                public void Receive(string payload) => {|#0:Pending.Enqueue(payload)|};
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<WebhookController>()"), Verify.At(0).WithArguments("Pending", "Queue<string>", "modified by 'Enqueue'", "'Receive'", "outside any lock", "'Pending' is static, so every flow in the process shares it"));
    }

    [Fact]
    public async Task IndexerSet_AndCompoundIndexerUpdate_Report()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class PriceCache
            {
                private readonly Dictionary<string, decimal> _prices = new();
                private readonly Dictionary<string, int> _hits = new();

                public void Put(string sku, decimal price) => [|_prices[sku] = price|];

                public void Hit(string sku) => [|_hits[sku] += 1|];
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task MutationUnderKeyedLock_Reports_BecauseOtherKeysRunTogether()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class PriceCache
            {
                private readonly KeyedAsyncLock<string> _skus = new();
                private readonly Dictionary<string, decimal> _prices = new();

                public async Task PutAsync(string sku, decimal price, CancellationToken ct)
                {
                    using (await _skus.LockAsync(sku, ct))
                    {
                        {|#0:_prices[sku] = price|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_prices", "Dictionary<string, decimal>", "modified through its indexer", "'PutAsync'", "holding only the keyed lock '_skus', which lets other keys in", "'PriceCache' takes a lock ('_skus'), so its author expects concurrent callers"));
    }

    [Fact]
    public async Task MutationUnderReadLock_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;

            public sealed class PriceCache
            {
                private readonly ReaderWriterLockSlim _lock = new();
                private readonly List<string> _recent = new();

                public void Touch(string sku)
                {
                    _lock.EnterReadLock();
                    try { [|_recent.Add(sku)|]; }
                    finally { _lock.ExitReadLock(); }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task EnumerationOutsideTheLock_WhileMutationsHoldIt_Reports()
    {
        const string source = """
            using System;
            using System.Collections.Generic;

            public sealed class EventHub
            {
                private readonly object _sync = new();
                private readonly List<Action<string>> _handlers = new();

                public void Subscribe(Action<string> handler) { lock (_sync) { _handlers.Add(handler); } }

                public void Publish(string message)
                {
                    foreach (var handler in {|#0:_handlers|})
                    {
                        handler(message);
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_handlers", "List<Action<string>>", "enumerated", "'Publish'", "outside any lock, while 'Subscribe' modifies it under '_sync'", "'EventHub' takes a lock ('_sync'), so its author expects concurrent callers"));
    }

    [Fact]
    public async Task MutationInTimerCallbackStartedByConstructor_Reports()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Threading;

            public sealed class PriceCache : IDisposable
            {
                private readonly Dictionary<string, decimal> _prices = new() { ["base"] = 1m };
                private readonly Timer _expiry;

                public PriceCache() => _expiry = new Timer(_ => [|_prices.Clear()|], null, 60_000, 60_000);

                public void Dispose() => _expiry.Dispose();
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task ClearOutsideTheLock_OfListFilledUnderIt_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class BatchWriter
            {
                private readonly AsyncLock _gate = new();
                private readonly List<string> _batch = new();

                public async Task AddAsync(string row, CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct)) { _batch.Add(row); }
                }

                public void Reset() => [|_batch.Clear()|];
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task LookupOutsideTheLock_WhileWritesHoldIt_Reports()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class PriceCache
            {
                private readonly object _sync = new();
                private readonly Dictionary<string, decimal> _prices = new();

                public void Put(string sku, decimal price) { lock (_sync) { _prices[sku] = price; } }

                public decimal? Get(string sku) => [|_prices.TryGetValue(sku, out var price)|] ? price : null;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task EveryUseUnderTheLock_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class PriceCache
            {
                private readonly object _sync = new();
                private readonly Dictionary<string, decimal> _prices = new();

                public void Put(string sku, decimal price) { lock (_sync) { _prices[sku] = price; } }

                public decimal? Get(string sku) { lock (_sync) { return _prices.TryGetValue(sku, out var p) ? p : null; } }

                public int Count => _prices.Count;
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task FilledInConstructor_ReadEverywhere_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Linq;

            public sealed class PriceCache
            {
                private readonly Dictionary<string, decimal> _prices = new();
                private readonly List<string> _regions = new() { "eu", "us" };

                public PriceCache(IEnumerable<KeyValuePair<string, decimal>> seed)
                {
                    foreach (var pair in seed)
                    {
                        _prices.Add(pair.Key, pair.Value);
                    }

                    _regions.Sort();
                }

                public decimal Get(string sku) => _prices[sku];
                public bool Serves(string region) => _regions.Contains(region);
                public IEnumerable<string> Skus() => _prices.Keys.OrderBy(k => k);
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task ConcurrentAndImmutableCollections_AreQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Collections.Immutable;

            public sealed class PriceCache
            {
                private readonly ConcurrentDictionary<string, decimal> _prices = new();
                private readonly ConcurrentQueue<string> _misses = new();
                private ImmutableHashSet<string> _blocked = ImmutableHashSet<string>.Empty;

                public void Put(string sku, decimal price) { _prices[sku] = price; _prices.TryAdd(sku, price); }
                public void Miss(string sku) => _misses.Enqueue(sku);
                public void Block(string sku) => ImmutableInterlocked.Update(ref _blocked, set => set.Add(sku));
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task PerRequestTypes_AndLocals_AreQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class ImportRequestHandler
            {
                private readonly List<string> _errors = new();
                private readonly Dictionary<string, int> _rows = new();

                public IReadOnlyList<string> Handle(IEnumerable<string> lines)
                {
                    var seen = new HashSet<string>();
                    foreach (var line in lines)
                    {
                        if (!seen.Add(line)) _errors.Add("duplicate " + line);
                        _rows[line] = line.Length;
                    }

                    return _errors;
                }
            }

            public sealed class PriceCache
            {
                public Dictionary<string, decimal> Snapshot(IEnumerable<string> skus)
                {
                    var result = new Dictionary<string, decimal>();
                    foreach (var sku in skus) result[sku] = 0m;
                    return result;
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<ImportRequestHandler>()", "AddSingleton<PriceCache>()"));
    }

    [Fact]
    public async Task SingleConsumerLoopOfHostedService_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class DigestWorker : BackgroundService
            {
                private readonly Queue<string> _pending = new();
                private readonly Dictionary<string, int> _counts = new();

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        _pending.Enqueue("tick");
                        Drain();
                        await Task.Delay(1000, stoppingToken);
                    }
                }

                private void Drain()
                {
                    while (_pending.TryDequeue(out var item))
                    {
                        _counts[item] = _counts.GetValueOrDefault(item) + 1;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task MutationUnderWriteLock_AndReadsUnderReadLock_AreQuiet()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class FactStore
            {
                private readonly AsyncReaderWriterLock _lock = new();
                private readonly List<string> _facts = new();

                public async Task AddAsync(string fact, CancellationToken ct)
                {
                    using (await _lock.WriteLockAsync(ct)) { _facts.Add(fact); }
                }

                public async Task<string[]> AllAsync(CancellationToken ct)
                {
                    using (await _lock.ReadLockAsync(ct)) { return _facts.ToArray(); }
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddSingleton<FactStore>()"));
    }

    [Fact]
    public async Task MutationInHelperCalledOnlyUnderTheLock_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class PriceCache
            {
                private readonly object _sync = new();
                private readonly Dictionary<string, decimal> _prices = new();

                public void Put(string sku, decimal price) { lock (_sync) { Store(sku, price); } }
                public void Drop(string sku) { lock (_sync) { Evict(sku); } }

                private void Store(string sku, decimal price) => _prices[sku] = price;
                private void Evict(string sku) => _prices.Remove(sku);
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task CopyOnWriteField_ReplacedWholesale_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class PriceCache
            {
                private volatile Dictionary<string, decimal> _prices = new();

                public void Reload(IDictionary<string, decimal> fresh) => _prices = new Dictionary<string, decimal>(fresh);

                public decimal Get(string sku) => _prices.TryGetValue(sku, out var price) ? price : 0m;
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task CountOutsideTheLock_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class PriceCache
            {
                private readonly object _sync = new();
                private readonly HashSet<string> _warm = new();

                public void Warm(string sku) { lock (_sync) { _warm.Add(sku); } }

                public int WarmCount => _warm.Count;
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task StaticListFilledInStaticConstructor_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class CountryController
            {
                private static readonly List<string> Codes = new();

                static CountryController()
                {
                    Codes.Add("NL");
                    Codes.Add("ID");
                }

                public bool Supports(string code) => Codes.Contains(code);
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<CountryController>()"));
    }

    [Fact]
    public async Task ThreadStaticBuffer_IsQuiet()
    {
        const string source = """
            using System;
            using System.Collections.Generic;

            public sealed class PriceCache
            {
                [ThreadStatic] private static List<string>? _scratch;

                public int Count(string text)
                {
                    _scratch ??= new List<string>();
                    _scratch.Clear();
                    _scratch.AddRange(text.Split(' '));
                    return _scratch.Count;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }
}
