using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Nuzantara.Analyzers.Rules;
using Nuzantara.Analyzers.Tests.Verifiers;

namespace Nuzantara.Analyzers.Tests.Precision;

/// <summary>
/// All six shared-state and check-then-act rules over realistic per-request and correctly synchronised code, which
/// must produce no diagnostic at all: precision decides whether teams keep these rules on.
/// </summary>
public sealed class PerRequestCodeTests
{
    [Fact]
    public async Task ControllersHandlersAndUnitsOfWork_AreQuiet()
    {
        string[] registrations = ["AddScoped<OrdersController>()", "AddScoped<PlaceOrderHandler>()", "AddScoped<UnitOfWork>()", "AddTransient<InvoiceBuilder>()"];
        await VerifyAsync(registrations, """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed record OrderLine(string Sku, int Quantity, decimal Price);
            public sealed record OrderDto(Guid Id, IReadOnlyList<OrderLine> Lines, decimal Total);

            public sealed class Order
            {
                public Guid Id { get; set; } = Guid.NewGuid();
                public List<OrderLine> Lines { get; } = new();
                public decimal Total { get; set; }
                public bool IsPaid { get; set; }
                public int Version { get; set; }
            }

            public interface IOrderRepository
            {
                Task<Order?> FindAsync(Guid id, CancellationToken ct);
                Task SaveAsync(Order order, CancellationToken ct);
            }

            public interface IPayments { Task<string> ChargeAsync(decimal amount, CancellationToken ct); }

            public sealed class OrdersController(IOrderRepository orders, IPayments payments)
            {
                private int _calls;
                private Order? _current;
                private readonly Dictionary<string, int> _skuCounts = new();
                private readonly List<string> _warnings = new();

                public async Task<OrderDto?> PayAsync(Guid id, CancellationToken ct)
                {
                    _calls++;
                    var order = await orders.FindAsync(id, ct);
                    if (order is null) return null;
                    _current ??= order;
                    if (!order.IsPaid)
                    {
                        await payments.ChargeAsync(order.Total, ct);
                        order.IsPaid = true;
                        order.Version++;
                    }

                    foreach (var line in order.Lines)
                    {
                        if (!_skuCounts.ContainsKey(line.Sku)) _skuCounts[line.Sku] = 0;
                        _skuCounts[line.Sku] += line.Quantity;
                        if (line.Quantity > 100) _warnings.Add(line.Sku);
                    }

                    var total = _current.Total;
                    await orders.SaveAsync(order, ct);
                    _current.Total = total + 1;
                    return new OrderDto(order.Id, order.Lines, order.Total);
                }
            }

            public sealed class PlaceOrderHandler(IOrderRepository orders)
            {
                private decimal _running;
                private bool _validated;

                public async Task<OrderDto> HandleAsync(IReadOnlyList<OrderLine> lines, CancellationToken ct)
                {
                    var order = new Order();
                    foreach (var line in lines)
                    {
                        order.Lines.Add(line);
                        order.Total += line.Quantity * line.Price;
                        _running += line.Price;
                    }

                    if (!_validated)
                    {
                        await Task.Yield();
                        _validated = true;
                    }

                    _running += await Task.FromResult(0m);
                    await orders.SaveAsync(order, ct);
                    return new OrderDto(order.Id, order.Lines.ToList(), order.Total);
                }
            }

            public sealed class UnitOfWork : IDisposable
            {
                private readonly List<Order> _pending = new();
                private readonly Dictionary<Guid, Order> _identityMap = new();
                private int _saves;
                private bool _disposed;

                public void Track(Order order)
                {
                    if (!_identityMap.TryGetValue(order.Id, out var existing))
                    {
                        _identityMap[order.Id] = order;
                        _pending.Add(order);
                    }
                }

                public async Task CommitAsync(IOrderRepository orders, CancellationToken ct)
                {
                    foreach (var order in _pending) await orders.SaveAsync(order, ct);
                    _pending.Clear();
                    _saves++;
                }

                public void Dispose()
                {
                    if (_disposed) return;
                    _disposed = true;
                }
            }

            public sealed class InvoiceBuilder
            {
                private readonly List<string> _lines = new();
                private decimal _total;

                public InvoiceBuilder Add(string text, decimal amount)
                {
                    _lines.Add(text);
                    _total += amount;
                    return this;
                }

                public string Build() => string.Join("\n", _lines) + "\nTotal: " + _total;
            }
            """);
    }

    [Fact]
    public async Task CorrectlySynchronisedSingletons_AreQuiet()
    {
        string[] registrations =
        [
            "AddSingleton<ExchangeRates>()", "AddSingleton<RequestMetrics>()", "AddSingleton<SchemaProvider>()",
            "AddSingleton<ProfileCache>()", "AddSingleton<SessionRegistry>()", "AddHostedService<OutboxWorker>()",
        ];
        await VerifyAsync(registrations, """
            using System;
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Collections.Immutable;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;
            using Nuzantara.Concurrency;

            public sealed record Rate(string Currency, decimal Value);

            public sealed class ExchangeRates
            {
                private readonly AsyncLock _refresh = new();
                private ImmutableDictionary<string, Rate> _rates = ImmutableDictionary<string, Rate>.Empty;
                private DateTime _refreshedAt;

                public ExchangeRates(IEnumerable<Rate> seed)
                {
                    foreach (var rate in seed) _rates = _rates.SetItem(rate.Currency, rate);
                }

                public Rate? Find(string currency) => _rates.TryGetValue(currency, out var rate) ? rate : null;

                public async Task RefreshAsync(Func<Task<IReadOnlyList<Rate>>> load, CancellationToken ct)
                {
                    using (await _refresh.LockAsync(ct))
                    {
                        var rates = _rates;
                        foreach (var rate in await load()) rates = rates.SetItem(rate.Currency, rate);
                        _rates = rates;
                        _refreshedAt = DateTime.UtcNow;
                    }
                }
            }

            public sealed class RequestMetrics
            {
                private long _requests;
                private long _failures;
                private volatile bool _draining;
                private readonly ConcurrentDictionary<string, long> _byRoute = new();

                public void Record(string route, bool failed)
                {
                    Interlocked.Increment(ref _requests);
                    if (failed) Interlocked.Increment(ref _failures);
                    _byRoute.AddOrUpdate(route, 1, (_, n) => n + 1);
                    _ = _byRoute.GetOrAdd(route + ":first", _ => DateTime.UtcNow.Ticks);
                    _byRoute.TryAdd(route + ":seen", 1);
                }

                public void Drain() => Volatile.Write(ref _draining, true);
                public bool Draining => _draining;
                public long Requests => Interlocked.Read(ref _requests);
            }

            public sealed class SchemaProvider
            {
                private readonly object _sync = new();
                private volatile string? _schema;
                private readonly Lazy<string> _version = new(() => "v1");

                public string Schema()
                {
                    if (_schema is null)
                    {
                        lock (_sync)
                        {
                            if (_schema is null)
                            {
                                _schema = Load();
                            }
                        }
                    }

                    return _schema;
                }

                public string Version => _version.Value;

                private static string Load() => "create table t (id int)";
            }

            public sealed class ProfileCache
            {
                private readonly ConcurrentDictionary<string, Task<string>> _profiles = new();
                private readonly KeyedAsyncLock<string> _users = new();
                private readonly ConcurrentDictionary<string, int> _loads = new();

                public Task<string> GetAsync(string userId, Func<string, Task<string>> load)
                    => _profiles.GetOrAdd(userId, load);

                public async Task ReloadAsync(string userId, Func<string, Task<string>> load, CancellationToken ct)
                {
                    using (await _users.LockAsync(userId, ct))
                    {
                        if (_loads.TryGetValue(userId, out var n)) _loads[userId] = n + 1;
                        else _loads[userId] = 1;
                        _profiles[userId] = Task.FromResult(await load(userId));
                    }
                }
            }

            public sealed class SessionRegistry
            {
                private readonly ReaderWriterLockSlim _lock = new();
                private readonly Dictionary<string, string> _sessions = new();
                [GuardedBy(nameof(_lock))] private int _version;

                public string? Find(string id)
                {
                    _lock.EnterReadLock();
                    try { return _sessions.TryGetValue(id, out var user) ? user : null; }
                    finally { _lock.ExitReadLock(); }
                }

                public void Open(string id, string user)
                {
                    _lock.EnterWriteLock();
                    try
                    {
                        if (!_sessions.ContainsKey(id)) _sessions.Add(id, user);
                        Bump();
                    }
                    finally { _lock.ExitWriteLock(); }
                }

                [RequiresLock(nameof(_lock))]
                private void Bump() => _version++;
            }

            public sealed class OutboxWorker : BackgroundService
            {
                private readonly Queue<string> _batch = new();
                private int _published;
                private bool _warm;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        if (!_warm)
                        {
                            await Task.Delay(10, stoppingToken);
                            _warm = true;
                        }

                        _batch.Enqueue("event");
                        _published += await PublishAsync(stoppingToken);
                    }
                }

                private async Task<int> PublishAsync(CancellationToken ct)
                {
                    var count = 0;
                    while (_batch.TryDequeue(out _))
                    {
                        await Task.Yield();
                        count++;
                    }

                    return count;
                }
            }
            """);
    }

    private static Task VerifyAsync(string[] registrations, string source)
    {
        var test = new AllRules();
        test.TestState.Sources.Add(("/0/Service.cs", source));
        test.TestState.Sources.Add(("/0/Program.cs", SharedStateVerifier<UnguardedSharedWriteAnalyzer>.Program(registrations)));
        return test.RunAsync();
    }

    /// <summary>Every shared-state and check-then-act analyzer at once.</summary>
    private sealed class AllRules : CSharpAnalyzerTest<UnguardedSharedWriteAnalyzer, DefaultVerifier>
    {
        public AllRules()
        {
            ReferenceAssemblies = TestReferences.Assemblies;
            TestReferences.AddTo(TestState);
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() =>
        [
            new UnguardedSharedWriteAnalyzer(),
            new LostUpdateAcrossAwaitAnalyzer(),
            new UnsafeSharedCollectionAnalyzer(),
            new InconsistentLockingAnalyzer(),
            new DictionaryCheckThenActAnalyzer(),
            new CheckThenActAnalyzer(),
        ];
    }
}
