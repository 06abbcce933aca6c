using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateVerifier<Nuzantara.Analyzers.Rules.LostUpdateAcrossAwaitAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class LostUpdateAcrossAwaitAnalyzerTests
{
    private static readonly string Singleton = Verify.Program("AddSingleton<QuotaService>()");

    [Fact]
    public async Task ReadIntoLocal_Await_WriteFromLocal_Reports_NamingTheAwait()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;

            public interface IQuotaStore { Task SaveAsync(int used, CancellationToken ct); }

            public sealed class QuotaService(IQuotaStore store)
            {
                private int _used;

                public async Task ConsumeAsync(CancellationToken ct)
                {
                    var used = {|#1:_used|};
                    {|#2:await store.SaveAsync(used + 1, ct)|};
                    {|#0:_used = used + 1|};
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1, 2).WithArguments("_used", "await store.SaveAsync(used + 1, ct)", "'ConsumeAsync'", "'QuotaService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task CompoundAssignmentOfAwaitedValue_Reports()
    {
        const string source = """
            using System.Threading.Tasks;

            public interface IPricing { Task<decimal> GetAsync(string sku); }

            public sealed class QuotaService(IPricing pricing)
            {
                private decimal _total;

                public async Task AddAsync(string sku) => {|#0:{|#1:_total|} += {|#2:await pricing.GetAsync(sku)|}|};
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1, 2).WithArguments("_total", "await pricing.GetAsync(sku)", "'AddAsync'", "'QuotaService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task MergeOfMemberWithAwaitedValue_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            [ThreadSafe]
            public sealed class SettingsCache
            {
                private IReadOnlyDictionary<string, string> _settings = new Dictionary<string, string>();

                public async Task RefreshAsync()
                    => {|#0:_settings = Merge({|#1:_settings|}, {|#2:await LoadAsync()|})|};

                private static IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
                    => a.Concat(b).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);

                private static Task<IReadOnlyDictionary<string, string>> LoadAsync() => Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task StaticMember_InPerRequestHandler_Reports()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class UploadHandler
            {
                private static long _bytes;

                public async Task HandleAsync(Task<long> upload)
                {
                    var before = {|#1:_bytes|};
                    var size = {|#2:await upload|};
                    {|#0:_bytes = before + size|};
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<UploadHandler>()"), Verify.At(0, 1, 2).WithArguments("_bytes", "await upload", "'HandleAsync'", "'_bytes' is static, so every flow in the process shares it"));
    }

    [Fact]
    public async Task ReadAndWriteUnderTwoSeparateRegions_Reports()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private int _remaining = 100;

                public async Task UseAsync(Task work, CancellationToken ct)
                {
                    int remaining;
                    await _gate.WaitAsync(ct);
                    try { remaining = {|#1:_remaining|}; }
                    finally { _gate.Release(); }

                    {|#2:await work|};

                    await _gate.WaitAsync(ct);
                    try { {|#0:_remaining = remaining - 1|}; }
                    finally { _gate.Release(); }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task SpanUnderReadLock_Reports_BecauseReadersDoNotExcludeEachOther()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class QuotaService
            {
                private readonly AsyncReaderWriterLock _lock = new();
                private int _reads;

                public async Task<string> ReadAsync(Task<string> load, CancellationToken ct)
                {
                    using (await _lock.ReadLockAsync(ct))
                    {
                        var reads = {|#1:_reads|};
                        var text = {|#2:await load|};
                        {|#0:_reads = reads + 1|};
                        return text;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task ValueCarriedThroughTwoLocals_Reports()
    {
        const string source = """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed record Snapshot(int Version, string Body);

            [ThreadSafe]
            public sealed class DocumentStore
            {
                private Snapshot _current = new(0, "");

                public async Task EditAsync(string body, Task save)
                {
                    var snapshot = {|#1:_current|};
                    var next = snapshot with { Version = snapshot.Version + 1, Body = body };
                    {|#2:await save|};
                    {|#0:_current = next|};
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task AwaitForeachBetween_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                private int _seen;

                public async Task CountAsync(IAsyncEnumerable<string> items)
                {
                    var seen = {|#1:_seen|};
                    {|#2:await foreach (var item in items)
                    {
                        seen++;
                    }|}

                    {|#0:_seen = seen|};
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1, 2).WithArguments("_seen", "await foreach (var item in items)", "'CountAsync'", "'QuotaService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task InsideTaskRunLambda_Reports()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                private int _version;

                public Task BumpLaterAsync() => Task.Run(async () =>
                {
                    var version = {|#1:_version|};
                    {|#2:await Task.Delay(10)|};
                    {|#0:_version = version + 1|};
                });
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1, 2).WithArguments("_version", "await Task.Delay(10)", "a lambda in 'BumpLaterAsync'", "'QuotaService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task PublicMethodOfBackgroundService_Reports()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class BudgetWorker : BackgroundService
            {
                private decimal _budget = 100;

                public async Task ChargeAsync(Task<decimal> cost) => {|#0:{|#1:_budget|} -= {|#2:await cost|}|};

                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task SpanUnderKeyedLock_OnAFieldOfTheType_Reports()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class QuotaService
            {
                private readonly KeyedAsyncLock<string> _users = new();
                private int _total;

                public async Task AddAsync(string userId, Task<int> amount, CancellationToken ct)
                {
                    using (await _users.LockAsync(userId, ct))
                    {
                        {|#0:{|#1:_total|} += {|#2:await amount|}|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task WholeSpanUnderOneAsyncLock_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class QuotaService
            {
                private readonly AsyncLock _gate = new();
                private int _used;

                public async Task ConsumeAsync(Task save, CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct))
                    {
                        var used = _used;
                        await save;
                        _used = used + 1;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task WholeSpanUnderSemaphoreTryFinally_IsQuiet()
    {
        const string source = """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private decimal _total;

                public async Task AddAsync(Task<decimal> amount, CancellationToken ct)
                {
                    if (!await _gate.WaitAsync(TimeSpan.FromSeconds(5), ct)) throw new TimeoutException();
                    try
                    {
                        _total += await amount;
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task PerRequestHandler_IsQuiet()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class CheckoutHandler
            {
                private decimal _total;

                public async Task<decimal> HandleAsync(Task<decimal> price)
                {
                    _total += await price;
                    var total = _total;
                    await Task.Yield();
                    _total = total * 1.2m;
                    return _total;
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<CheckoutHandler>()"));
    }

    [Fact]
    public async Task ReadAfterTheAwait_IsQuiet()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                private int _used;

                public async Task ConsumeAsync(Task save)
                {
                    await save;
                    var used = _used;
                    _used = used + 1;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task WriteThatDoesNotDependOnTheRead_IsQuiet()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                private DateTime _lastSync;
                private string _etag = "";

                public async Task SyncAsync(Task<string> fetch)
                {
                    var previous = _etag;
                    var etag = await fetch;
                    _etag = etag;
                    _lastSync = DateTime.UtcNow;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task HostedServiceLoop_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class Compactor : BackgroundService
            {
                private long _compacted;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        _compacted += await CompactAsync(stoppingToken);
                    }
                }

                private static Task<long> CompactAsync(CancellationToken ct) => Task.FromResult(1L);
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task LocalsOnly_AreQuiet()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                public async Task<int> SumAsync(IEnumerable<Task<int>> parts)
                {
                    var total = 0;
                    foreach (var part in parts)
                    {
                        total += await part;
                    }

                    return total;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task HelperCalledOnlyUnderTheLock_AndRequiresLockMethod_AreQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class QuotaService
            {
                private readonly AsyncLock _gate = new();
                private int _used;
                private int _peak;

                public async Task UseAsync(CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct))
                    {
                        await TrackAsync();
                        await PeakAsync();
                    }
                }

                private async Task TrackAsync()
                {
                    var used = _used;
                    await Task.Yield();
                    _used = used + 1;
                }

                [RequiresLock(nameof(_gate))]
                private async Task PeakAsync() => _peak += await Task.FromResult(1);
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task LazyInitialisationChecked_IsLeftToNZ3002()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class QuotaService
            {
                private string? _token;

                public async Task<string> TokenAsync(Task<string> fetch)
                {
                    if (_token is null)
                    {
                        _token = await fetch;
                    }

                    return _token;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task SpanUnderTheWriteLock_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class QuotaService
            {
                private readonly AsyncReaderWriterLock _lock = new();
                private int _version;

                public async Task BumpAsync(Task persist, CancellationToken ct)
                {
                    using (await _lock.WriteLockAsync(ct))
                    {
                        var version = _version;
                        await persist;
                        _version = version + 1;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task RecordBuiltFromLocalsAcrossAwait_IsQuiet()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed record Receipt(string Id, decimal Total);

            public sealed class QuotaService
            {
                public async Task<Receipt> ChargeAsync(string id, Task<decimal> price)
                {
                    var receipt = new Receipt(id, 0m);
                    var total = receipt.Total;
                    total += await price;
                    receipt = receipt with { Total = total };
                    return receipt;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }
}
