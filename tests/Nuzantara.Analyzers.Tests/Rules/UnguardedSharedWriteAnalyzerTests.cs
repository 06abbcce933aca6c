using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateVerifier<Nuzantara.Analyzers.Rules.UnguardedSharedWriteAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class UnguardedSharedWriteAnalyzerTests
{
    private static readonly string Singleton = Verify.Program("AddSingleton<MetricsService>()");

    [Fact]
    public async Task IncrementInSingleton_Reports_NamingTheMemberAndTheRegistration()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class MetricsService
            {
                private int _requests;

                public Task RecordAsync()
                {
                    {|#0:_requests++|};
                    return Task.CompletedTask;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0).WithArguments("_requests", "incremented", "'RecordAsync'", "'MetricsService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task CompoundAssignment_InThreadSafeType_Reports()
    {
        const string source = """
            using Nuzantara.Concurrency;

            [ThreadSafe]
            public sealed class BillingTotals
            {
                private decimal _total;

                public void Add(decimal amount) => {|#0:_total += amount|};
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_total", "updated with '+='", "'Add'", "'BillingTotals' is marked [ThreadSafe]"));
    }

    [Fact]
    public async Task ImmutableListReadAndWrittenBack_InSingletonRegisteredByInterface_Reports()
    {
        const string source = """
            using System.Collections.Immutable;

            public interface IAuditTrail { void Append(string entry); }

            public sealed class MetricsService : IAuditTrail
            {
                private ImmutableList<string> _entries = ImmutableList<string>.Empty;

                public void Append(string entry) => {|#0:_entries = {|#1:_entries|}.Add(entry)|};
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddSingleton<IAuditTrail, MetricsService>()"), Verify.At(0, 1).WithArguments("_entries", "read and written back", "'Append'", "'MetricsService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task StaticCounter_InPerRequestConstructor_Reports_BecauseStaticStateIsShared()
    {
        const string source = """
            public sealed class OrdersController
            {
                private static int _instances;

                public OrdersController() => {|#0:_instances++|};
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<OrdersController>()"), Verify.At(0).WithArguments("_instances", "incremented", "the constructor", "'_instances' is static, so every flow in the process shares it"));
    }

    [Fact]
    public async Task FieldWrittenUnderLockInOneMethod_UpdatedWithoutItInAnother_Reports_NamingTheLock()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class WalletService
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private decimal _balance;

                public async Task DepositAsync(decimal amount, CancellationToken ct)
                {
                    await _gate.WaitAsync(ct);
                    try { _balance += amount; }
                    finally { _gate.Release(); }
                }

                public void ApplyFee(decimal fee) => {|#0:_balance -= fee|};
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_balance", "updated with '-='", "'ApplyFee'", "'_balance' is also written under '_gate' in 'DepositAsync'"));
    }

    [Fact]
    public async Task TimerCallback_InBackgroundService_Reports()
    {
        const string source = """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class HeartbeatWorker : BackgroundService
            {
                private Timer? _timer;
                private long _beats;

                protected override Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    _timer = new Timer(_ => {|#0:_beats++|}, null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
                    return Task.CompletedTask;
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_beats", "incremented", "a lambda in 'ExecuteAsync'", "'HeartbeatWorker' is a BackgroundService, which runs beside the requests"));
    }

    [Fact]
    public async Task UpdateUnderReadLock_Reports_BecauseReadersRunTogether()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SearchIndex
            {
                private readonly AsyncReaderWriterLock _index = new();
                private int _queries;

                public async Task<int> SearchAsync(string text, CancellationToken ct)
                {
                    using (await _index.ReadLockAsync(ct))
                    {
                        [|_queries++|];
                        return text.Length;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task UpdateUnderKeyedLock_Reports_BecauseOtherKeysRunTogether()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MemorySaver
            {
                private readonly KeyedAsyncLock<string> _users = new();
                private int _saves;

                public async Task SaveAsync(string userId, CancellationToken ct)
                {
                    using (await _users.LockAsync(userId, ct))
                    {
                        [|_saves++|];
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task PlainResetOutsideLock_OfMemberUpdatedUnderLock_Reports()
    {
        const string source = """
            public sealed class RetryBudget
            {
                private readonly object _sync = new();
                private int _spent;

                public void Spend(int cost) { lock (_sync) { _spent += cost; } }

                public void Reset() => {|#0:_spent = 0|};
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_spent", "written", "'Reset'", "'_spent' is also written under '_sync' in 'Spend'"));
    }

    [Fact]
    public async Task EventHandler_InFactoryRegisteredSingleton_Reports()
    {
        const string source = """
            using System;

            public interface IMessageBus { event EventHandler Received; }

            public sealed class MetricsService
            {
                private long _received;

                public MetricsService(IMessageBus bus) => bus.Received += OnReceived;

                private void OnReceived(object? sender, EventArgs e) => [|_received++|];
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddSingleton(sp => new MetricsService(sp.GetRequiredService<IMessageBus>()))"));
    }

    [Fact]
    public async Task PrivateHelper_CalledUnderLockAndWithout_Reports()
    {
        const string source = """
            public sealed class ConnectionPool
            {
                private readonly object _sync = new();
                private int _open;

                public void Open() { lock (_sync) { Track(); } }
                public void OpenUnsafe() => Track();

                private void Track() => [|_open++|];
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task TypeListedInOption_Reports()
    {
        const string source = """
            public sealed class TenantCache
            {
                private int _misses;

                public void Miss() => [|_misses += 1|];
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, ["nuzantara.shared_types = *Cache"]);
    }

    [Fact]
    public async Task PerRequestController_IsQuiet()
    {
        const string source = """
            public sealed class CartController
            {
                private int _items;
                private decimal _total;

                public void Add(decimal price) { _items++; _total += price; }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<CartController>()"));
    }

    [Fact]
    public async Task UpdatesUnderLockStatement_AsyncLock_AndMonitor_AreQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MetricsService
            {
                private readonly object _sync = new();
                private readonly AsyncLock _gate = new();
                private int _a, _b, _c;

                public void A() { lock (_sync) { _a++; } }

                public async Task BAsync(CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct)) { _b += 2; }
                }

                public void C()
                {
                    Monitor.Enter(_sync);
                    try { _c = _c * 2; }
                    finally { Monitor.Exit(_sync); }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task InterlockedAndVolatile_AreQuiet()
    {
        const string source = """
            using System.Threading;

            public sealed class MetricsService
            {
                private long _requests;
                private bool _draining;

                public void Record() => Interlocked.Increment(ref _requests);
                public void Drain() => Volatile.Write(ref _draining, true);
                public long Read() => Interlocked.Read(ref _requests);
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task ConstructorAndInitializerWrites_AreQuiet()
    {
        const string source = """
            public sealed class MetricsService
            {
                private int _capacity = 10;
                private int _generation;

                public MetricsService(int extra)
                {
                    _capacity += extra;
                    _generation++;
                    Grow();
                }

                private void Grow() => _capacity *= 2;
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task WholeValueWrites_ThatNothingUpdates_AreQuiet()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;

            public sealed class MetricsService
            {
                private DateTime _lastRefresh;
                private volatile bool _healthy;
                private string _version = "";

                public Task RefreshAsync(string version)
                {
                    _lastRefresh = DateTime.UtcNow;
                    _healthy = true;
                    _version = version;
                    return Task.CompletedTask;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task LocalsAndReturnedDtos_InSingleton_AreQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class ReportDto { public int Lines { get; set; } public decimal Total { get; set; } }

            public sealed class MetricsService
            {
                public ReportDto Build(IEnumerable<decimal> amounts)
                {
                    var count = 0;
                    var report = new ReportDto();
                    foreach (var amount in amounts)
                    {
                        count++;
                        report.Lines++;
                        report.Total += amount;
                    }

                    return report;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task BackgroundServiceLoop_AndHelpersOnlyItCalls_AreQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class OutboxPublisher : BackgroundService
            {
                private int _published;
                private int _failures;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        _published++;
                        Fail();
                        await Task.Delay(1000, stoppingToken);
                    }
                }

                private void Fail() => _failures++;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task HelperCalledOnlyUnderLock_AndRequiresLockBody_AreQuiet()
    {
        const string source = """
            using Nuzantara.Concurrency;

            public sealed class Ledger
            {
                private readonly object _sync = new();
                private int _entries;
                private decimal _sum;

                public void Post(decimal amount) { lock (_sync) { Count(); Sum(amount); } }

                private void Count() => _entries++;

                [RequiresLock(nameof(_sync))]
                private void Sum(decimal amount) => _sum += amount;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task DisposeAndThreadStatic_AreQuiet()
    {
        const string source = """
            using System;

            public sealed class MetricsService : IDisposable
            {
                [ThreadStatic] private static int _depth;
                private int _disposals;

                public void Enter() => _depth++;
                public void Dispose() => _disposals++;
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task UpdateAcrossAwait_IsLeftToNZ2002()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class MetricsService
            {
                private decimal _total;

                public async Task AddAsync(Task<decimal> amount) => _total += await amount;
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task StaticLockOnly_DoesNotMakeInstancesShared()
    {
        const string source = """
            public sealed class ImportController
            {
                private static readonly object Sync = new();
                private int _rows;

                public void Import(int rows)
                {
                    lock (Sync) { }
                    _rows += rows;
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }
}
