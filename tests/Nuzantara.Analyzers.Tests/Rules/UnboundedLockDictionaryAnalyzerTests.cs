using Nuzantara.Analyzers.Rules;
using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Nuzantara.Analyzers.Rules.UnboundedLockDictionaryAnalyzer,
    Nuzantara.Analyzers.Rules.UnboundedLockDictionaryCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class UnboundedLockDictionaryAnalyzerTests
{
    [Fact]
    public async Task PerUserSaveLocks_InSingletonService_Report_AndBecomeAKeyedLockUsingTheCallsToken()
    {
        await new VerifyCS.Test
        {
            TestCode = """
                using System.Collections.Concurrent;
                using System.Threading;
                using System.Threading.Tasks;

                public interface IMemoryStore { Task WriteAsync(string userId, string memory, CancellationToken cancellationToken); }

                // Registered with AddSingleton: one instance serves every request for the life of the process.
                public sealed class MemorySaver
                {
                    private readonly ConcurrentDictionary<string, SemaphoreSlim> {|#0:_userLocks|} = new();
                    private readonly IMemoryStore _store;

                    public MemorySaver(IMemoryStore store) => _store = store;

                    public async Task SaveAsync(string userId, string memory, CancellationToken cancellationToken)
                    {
                        // One save per user at a time.
                        var gate = _userLocks.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
                        await gate.WaitAsync(cancellationToken);
                        try
                        {
                            await _store.WriteAsync(userId, memory, cancellationToken);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }
                }
                """,
            FixedCode = """
                using System.Collections.Concurrent;
                using System.Threading;
                using System.Threading.Tasks;
                using Nuzantara.Concurrency;

                public interface IMemoryStore { Task WriteAsync(string userId, string memory, CancellationToken cancellationToken); }

                // Registered with AddSingleton: one instance serves every request for the life of the process.
                public sealed class MemorySaver
                {
                    private readonly KeyedAsyncLock<string> _userLocks = new();
                    private readonly IMemoryStore _store;

                    public MemorySaver(IMemoryStore store) => _store = store;

                    public async Task SaveAsync(string userId, string memory, CancellationToken cancellationToken)
                    {
                        // One save per user at a time.
                        using (await _userLocks.LockAsync(userId, cancellationToken))
                        {
                            await _store.WriteAsync(userId, memory, cancellationToken);
                        }
                    }
                }
                """,
            ExpectedDiagnostics =
            {
                VerifyCS.Diagnostic("NZ1004").WithLocation(0).WithArguments("_userLocks", "a SemaphoreSlim", "string", "GetOrAdd", "SaveAsync"),
            },
        }.RunAsync();
    }

    [Fact]
    public async Task PerTenantCacheRefresher_WithTryAddAndIndexer_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class TenantCacheRefresher
            {
                private readonly ConcurrentDictionary<Guid, SemaphoreSlim> {|#0:_refreshLocks|} = new();
                private readonly ConcurrentDictionary<Guid, DateTimeOffset> _refreshedAt = new();

                public async Task<bool> RefreshAsync(Guid tenantId, CancellationToken cancellationToken)
                {
                    _refreshLocks.TryAdd(tenantId, new SemaphoreSlim(1, 1));
                    var gate = _refreshLocks[tenantId];
                    if (!await gate.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken))
                    {
                        return false;
                    }

                    try
                    {
                        _refreshedAt[tenantId] = DateTimeOffset.UtcNow;
                        return true;
                    }
                    finally
                    {
                        gate.Release();
                    }
                }

                public void Forget(Guid tenantId) => _refreshedAt.TryRemove(tenantId, out _);
            }
            """,
            VerifyCS.Diagnostic("NZ1004").WithLocation(0).WithArguments("_refreshLocks", "a SemaphoreSlim", "Guid", "TryAdd", "RefreshAsync"));
    }

    [Fact]
    public async Task PerSessionLockMap_InHub_GuardedDictionaryFilledByIndexer_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ChatHub
            {
                private static readonly object Sync = new();
                private static readonly Dictionary<string, SemaphoreSlim> {|#0:SessionLocks|} = new();

                public async Task SendAsync(string sessionId, string message)
                {
                    SemaphoreSlim? gate;
                    lock (Sync)
                    {
                        if (!SessionLocks.TryGetValue(sessionId, out gate))
                        {
                            gate = new SemaphoreSlim(1, 1);
                            SessionLocks[sessionId] = gate;
                        }
                    }

                    await gate.WaitAsync();
                    try { await Task.Delay(1); }
                    finally { gate.Release(); }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1004").WithLocation(0).WithArguments("SessionLocks", "a SemaphoreSlim", "string", "an indexer set", "SendAsync"));
    }

    [Fact]
    public async Task StaticLockMap_InRepository_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class OrderRepository
            {
                private static readonly ConcurrentDictionary<long, SemaphoreSlim> [|s_rowLocks|] = new();

                public async Task UpdateAsync(long orderId, CancellationToken cancellationToken)
                {
                    await s_rowLocks.GetOrAdd(orderId, static _ => new SemaphoreSlim(1, 1)).WaitAsync(cancellationToken);
                    try { await Task.Delay(1, cancellationToken); }
                    finally { s_rowLocks[orderId].Release(); }
                }
            }
            """);
    }

    [Fact]
    public async Task NitoAsyncLockMap_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class ConversationWriter
            {
                private readonly ConcurrentDictionary<(string User, string Session), AsyncLock> {|#0:_conversationLocks|} = new();

                public async Task AppendAsync(string user, string session, CancellationToken cancellationToken)
                {
                    using (await _conversationLocks.GetOrAdd((user, session), _ => new AsyncLock()).LockAsync(cancellationToken))
                    {
                        await Task.Delay(1, cancellationToken);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1004").WithLocation(0).WithArguments("_conversationLocks", "an AsyncLock", "(string User, string Session)", "GetOrAdd", "AppendAsync"));
    }

    [Fact]
    public async Task ObjectLockMap_UsedWithLockStatement_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;

            public sealed class QuotaTracker
            {
                private readonly Dictionary<string, object> {|#0:_accountLocks|} = new();
                private readonly Dictionary<string, int> _used = new();

                public void Consume(string accountId, int amount)
                {
                    object? gate;
                    lock (_accountLocks)
                    {
                        if (!_accountLocks.TryGetValue(accountId, out gate))
                        {
                            gate = new object();
                            _accountLocks.Add(accountId, gate);
                        }
                    }

                    lock (gate)
                    {
                        _used[accountId] = _used.GetValueOrDefault(accountId) + amount;
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1004").WithLocation(0).WithArguments("_accountLocks", "an object", "string", "Add", "Consume"));
    }

    [Fact]
    public async Task ObjectValues_LockedThroughGetOrAddOrMonitor_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;

            public sealed class InvoiceNumbering
            {
                private readonly ConcurrentDictionary<string, object> [|_series|] = new();
                private readonly ConcurrentDictionary<int, object> [|_branches|] = new();

                public void Next(string series)
                {
                    lock (_series.GetOrAdd(series, _ => new object())) { }
                }

                public void Close(int branch)
                {
                    var gate = _branches.GetOrAdd(branch, new object());
                    Monitor.Enter(gate);
                    try { } finally { Monitor.Exit(gate); }
                }
            }
            """);
    }

    [Fact]
    public async Task OtherLockValueTypes_AndDeclaredThroughInterfacesOrSubclass_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;

            public sealed class DeviceLockMap : ConcurrentDictionary<string, SemaphoreSlim> { }

            public sealed class DeviceGateway
            {
                private readonly ConcurrentDictionary<string, Lock> [|_channels|] = new();
                private readonly ConcurrentDictionary<string, ReaderWriterLockSlim> [|_registers|] = new();
                private readonly IDictionary<string, SemaphoreSlim> [|_firmware|] = new Dictionary<string, SemaphoreSlim>();
                private readonly DeviceLockMap [|_devices|] = new();

                public void Write(string device)
                {
                    lock (_channels.GetOrAdd(device, _ => new Lock())) { }
                    _registers.AddOrUpdate(device, _ => new ReaderWriterLockSlim(), (_, existing) => existing).EnterWriteLock();
                    _firmware[device] = new SemaphoreSlim(1, 1);
                    _devices.GetOrAdd(device, _ => new SemaphoreSlim(1, 1)).Wait(100);
                }
            }
            """);
    }

    [Fact]
    public async Task AddsInALambdaCreatedByTheConstructor_StillReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Concurrent;
            using System.Threading;

            public sealed class HeartbeatMonitor
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_peers|] = new();

                public HeartbeatMonitor(IObservable<string> beats)
                {
                    beats.Subscribe(new Observer(peer => _peers.GetOrAdd(peer, _ => new SemaphoreSlim(1, 1))));
                }

                private sealed class Observer : IObserver<string>
                {
                    private readonly Action<string> _next;
                    public Observer(Action<string> next) => _next = next;
                    public void OnCompleted() { }
                    public void OnError(Exception error) { }
                    public void OnNext(string value) => _next(value);
                }
            }
            """);
    }

    [Fact]
    public async Task EntriesRemovedInFinally_DoNotReport_EvenIfTheRemovalIsRacy()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class MemorySaver
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _userLocks = new();

                public async Task SaveAsync(string userId, CancellationToken cancellationToken)
                {
                    var gate = _userLocks.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync(cancellationToken);
                    try { await Task.Delay(1, cancellationToken); }
                    finally
                    {
                        gate.Release();
                        _userLocks.TryRemove(userId, out _);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task RemovalsElsewhereInTheType_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionGate : IDisposable
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _clearedOnDispose = new();
                private ConcurrentDictionary<string, SemaphoreSlim> _resetNightly = new();
                private readonly Dictionary<string, object> _evictedInLambda = new();
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _removedInLocalFunction = new();
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _swapped = new();

                public async Task EnterAsync(string session)
                {
                    await _clearedOnDispose.GetOrAdd(session, _ => new SemaphoreSlim(1, 1)).WaitAsync(100);
                    await _resetNightly.GetOrAdd(session, _ => new SemaphoreSlim(1, 1)).WaitAsync(100);
                    lock (_evictedInLambda) { _evictedInLambda[session] = new object(); lock (_evictedInLambda[session]) { } }
                    _removedInLocalFunction.TryAdd(session, new SemaphoreSlim(1, 1));
                    _swapped.TryAdd(session, new SemaphoreSlim(1, 1));
                    Task.Run(() => { lock (_evictedInLambda) { _evictedInLambda.Remove(session); } });
                    Evict();

                    void Evict()
                    {
                        try { } finally { _removedInLocalFunction.TryRemove(session, out _); }
                    }
                }

                public void Rotate(string session, SemaphoreSlim old) => _swapped.TryUpdate(session, new SemaphoreSlim(1, 1), old);

                public void ResetNightly() => _resetNightly = new();

                public void Dispose() => _clearedOnDispose.Clear();
            }
            """);
    }

    [Fact]
    public async Task BoundedKeys_EnumAndBool_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public enum Region { Europe, Asia, America }

            public sealed class ReportScheduler
            {
                private readonly ConcurrentDictionary<Region, SemaphoreSlim> _regionLocks = new();
                private readonly ConcurrentDictionary<bool, SemaphoreSlim> _modeLocks = new();

                public async Task RunAsync(Region region, bool full)
                {
                    await _regionLocks.GetOrAdd(region, _ => new SemaphoreSlim(1, 1)).WaitAsync(100);
                    await _modeLocks.GetOrAdd(full, _ => new SemaphoreSlim(1, 1)).WaitAsync(100);
                }
            }
            """);
    }

    [Fact]
    public async Task KeyTypesDeclaredBoundedByOption_DoNotReport_ByFullOrSimpleName()
    {
        await Verifiers.CSharpAnalyzerVerifier<UnboundedLockDictionaryAnalyzer>.VerifyAnalyzerAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;

            namespace Billing
            {
                public readonly record struct PlanId(int Value);
                public readonly record struct ShardId(int Value);
                public readonly record struct CustomerId(int Value);

                public sealed class PlanPricing
                {
                    private readonly ConcurrentDictionary<PlanId, SemaphoreSlim> _plans = new();
                    private readonly ConcurrentDictionary<ShardId, SemaphoreSlim> _shards = new();
                    private readonly ConcurrentDictionary<CustomerId, SemaphoreSlim> [|_customers|] = new();

                    public void Reprice(PlanId plan, ShardId shard, CustomerId customer)
                    {
                        _plans.GetOrAdd(plan, _ => new SemaphoreSlim(1, 1)).Wait(100);
                        _shards.GetOrAdd(shard, _ => new SemaphoreSlim(1, 1)).Wait(100);
                        _customers.GetOrAdd(customer, _ => new SemaphoreSlim(1, 1)).Wait(100);
                    }
                }
            }
            """,
            ["NZ1004.bounded_key_types = Billing.PlanId, ShardId"]);
    }

    [Fact]
    public async Task ValuesThatAreNotLocks_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ImportCoordinator
            {
                private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancellations = new();
                private readonly ConcurrentDictionary<string, Task> _running = new();
                private readonly Dictionary<string, object> _settings = new();
                private readonly ConcurrentDictionary<string, object> _payloads = new();

                public void Start(string importId, object payload)
                {
                    _cancellations.GetOrAdd(importId, _ => new CancellationTokenSource());
                    _running.TryAdd(importId, Task.CompletedTask);
                    _settings[importId] = payload;
                    _payloads.GetOrAdd(importId, _ => new object());
                    lock (_settings) { }
                }
            }
            """);
    }

    [Fact]
    public async Task LocalDictionaries_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class BatchImporter
            {
                public async Task ImportAsync(string[] customerIds)
                {
                    var locks = new ConcurrentDictionary<string, SemaphoreSlim>();
                    await Parallel.ForEachAsync(customerIds, async (id, ct) =>
                    {
                        var gate = locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
                        await gate.WaitAsync(ct);
                        try { await Task.Delay(1, ct); } finally { gate.Release(); }
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task DictionariesFilledOnlyInTheConstructor_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class WarehouseAllocator
            {
                private static readonly Dictionary<string, object> Sites = new();
                private readonly IReadOnlyDictionary<string, SemaphoreSlim> _docks;
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new();

                static WarehouseAllocator()
                {
                    foreach (var site in new[] { "north", "south" }) { Sites.Add(site, new object()); }
                }

                public WarehouseAllocator(IEnumerable<string> docks)
                {
                    var map = new Dictionary<string, SemaphoreSlim>();
                    foreach (var dock in docks) { map.Add(dock, new SemaphoreSlim(1, 1)); }
                    _docks = map;
                    foreach (var lane in new[] { "a", "b", "c" }) { _lanes.TryAdd(lane, new SemaphoreSlim(1, 1)); }
                }

                public async Task LoadAsync(string dock, string lane, string site)
                {
                    await _docks[dock].WaitAsync(100);
                    await _lanes[lane].WaitAsync(100);
                    lock (Sites[site]) { }
                }
            }
            """);
    }

    [Fact]
    public async Task DictionariesVisibleOrHandedOutsideTheType_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;

            public static class LockJanitor
            {
                public static void Sweep(ConcurrentDictionary<string, SemaphoreSlim> locks) { }
            }

            public sealed class PrunedLockMap : ConcurrentDictionary<string, SemaphoreSlim>
            {
                public void Prune() { }
            }

            public sealed class TenantThrottle
            {
                internal readonly ConcurrentDictionary<string, SemaphoreSlim> Shared = new();
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _swept = new();
                private readonly PrunedLockMap _pruned = new();

                public void Enter(string tenant)
                {
                    Shared.GetOrAdd(tenant, _ => new SemaphoreSlim(1, 1)).Wait(100);
                    _swept.GetOrAdd(tenant, _ => new SemaphoreSlim(1, 1)).Wait(100);
                    _pruned.GetOrAdd(tenant, _ => new SemaphoreSlim(1, 1)).Wait(100);
                }

                public void Maintain()
                {
                    LockJanitor.Sweep(_swept);
                    _pruned.Prune();
                }
            }
            """);
    }

    [Fact]
    public async Task DictionariesReceivedFromElsewhere_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;

            public static class SharedLocks
            {
                public static readonly ConcurrentDictionary<string, SemaphoreSlim> Tenants = new();
            }

            public sealed class TenantJobRunner
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _injected;
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _shared = SharedLocks.Tenants;

                public TenantJobRunner(ConcurrentDictionary<string, SemaphoreSlim> locks) => _injected = locks;

                public void Run(string tenant)
                {
                    _injected.GetOrAdd(tenant, _ => new SemaphoreSlim(1, 1)).Wait(100);
                    _shared.GetOrAdd(tenant, _ => new SemaphoreSlim(1, 1)).Wait(100);
                }
            }
            """);
    }

    [Fact]
    public async Task RemovalInANestedType_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Concurrent;
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _hostLocks = new();

                public Lease Rent(string host)
                {
                    var gate = _hostLocks.GetOrAdd(host, _ => new SemaphoreSlim(1, 1));
                    gate.Wait(100);
                    return new Lease(this, host);
                }

                public sealed class Lease
                {
                    private readonly ConnectionPool _pool;
                    private readonly string _host;

                    public Lease(ConnectionPool pool, string host) { _pool = pool; _host = host; }

                    public void Return()
                    {
                        if (_pool._hostLocks.TryRemove(_host, out var gate)) { gate.Release(); }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task GeneratedCode_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            // <auto-generated/>
            using System.Collections.Concurrent;
            using System.Threading;

            public sealed class Generated
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

                public void Enter(string key) => _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1)).Wait(100);
            }
            """);
    }

    [Fact]
    public async Task Fix_KeepsTheComparer_AndRewritesInlineWaitWithIndexerRelease_UsingTheMethodsToken()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class AccountMailer
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_mailboxLocks|] = new(StringComparer.OrdinalIgnoreCase);

                public async Task SendAsync(string email, CancellationToken cancellationToken)
                {
                    await _mailboxLocks.GetOrAdd(email, static _ => new SemaphoreSlim(1, 1)).WaitAsync().ConfigureAwait(false);
                    try
                    {
                        await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        _mailboxLocks[email].Release();
                    }
                }
            }
            """,
            """
            using System;
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class AccountMailer
            {
                private readonly KeyedAsyncLock<string> _mailboxLocks = new(null, StringComparer.OrdinalIgnoreCase);

                public async Task SendAsync(string email, CancellationToken cancellationToken)
                {
                    using (await _mailboxLocks.LockAsync(email, cancellationToken).ConfigureAwait(false))
                    {
                        await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_TypeWithTwoUses_IncludingATimedWaitWhoseFailureReturns()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class TenantCacheRefresher
            {
                private static readonly TimeSpan RefreshWait = TimeSpan.FromSeconds(2);
                private readonly ConcurrentDictionary<Guid, SemaphoreSlim> [|_refreshLocks|];
                private int _refreshes;

                public TenantCacheRefresher()
                {
                    _refreshLocks = new ConcurrentDictionary<Guid, SemaphoreSlim>();
                }

                public async Task<bool> TryRefreshAsync(Guid tenantId, CancellationToken cancellationToken)
                {
                    if (!await _refreshLocks.GetOrAdd(tenantId, _ => new SemaphoreSlim(1)).WaitAsync(RefreshWait, cancellationToken))
                    {
                        return false;
                    }
                    try
                    {
                        _refreshes++;
                        return true;
                    }
                    finally
                    {
                        _refreshLocks[tenantId].Release();
                    }
                }

                public async Task InvalidateAsync(Guid tenantId)
                {
                    var gate = _refreshLocks.GetOrAdd(tenantId, _ => new SemaphoreSlim(1, 1));
                    if (!await gate.WaitAsync(500)) throw new TimeoutException();
                    try
                    {
                        _refreshes = 0;
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }
            """,
            """
            using System;
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class TenantCacheRefresher
            {
                private static readonly TimeSpan RefreshWait = TimeSpan.FromSeconds(2);
                private readonly KeyedAsyncLock<Guid> _refreshLocks;
                private int _refreshes;

                public TenantCacheRefresher()
                {
                    _refreshLocks = new KeyedAsyncLock<Guid>();
                }

                public async Task<bool> TryRefreshAsync(Guid tenantId, CancellationToken cancellationToken)
                {
                    using (var handle = await _refreshLocks.TryLockAsync(tenantId, RefreshWait, cancellationToken))
                    {
                        if (!handle.IsAcquired)
                        {
                            return false;
                        }

                        _refreshes++;
                        return true;
                    }
                }

                public async Task InvalidateAsync(Guid tenantId)
                {
                    using (var gate = await _refreshLocks.TryLockAsync(tenantId, TimeSpan.FromMilliseconds(500)))
                    {
                        if (!gate.IsAcquired) throw new TimeoutException();

                        _refreshes = 0;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_LockInAsyncMethod_AndNitoAsyncLock_BecomeLockAsync()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class ConversationWriter
            {
                private readonly ConcurrentDictionary<string, AsyncLock> [|_conversations|] = new();
                private readonly ConcurrentDictionary<string, object> [|_counters|] = new();
                private int _count;

                public async Task AppendAsync(string session, CancellationToken cancellationToken)
                {
                    using (await _conversations.GetOrAdd(session, _ => new AsyncLock()).LockAsync())
                    {
                        await Task.Delay(1, cancellationToken);
                    }

                    await Task.Yield();
                    lock (_counters.GetOrAdd(session, _ => new object()))
                    {
                        _count++;
                    }
                }
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;
            using Nuzantara.Concurrency;

            public sealed class ConversationWriter
            {
                private readonly KeyedAsyncLock<string> _conversations = new();
                private readonly KeyedAsyncLock<string> _counters = new();
                private int _count;

                public async Task AppendAsync(string session, CancellationToken cancellationToken)
                {
                    using (await _conversations.LockAsync(session, cancellationToken))
                    {
                        await Task.Delay(1, cancellationToken);
                    }

                    await Task.Yield();
                    using (await _counters.LockAsync(session, cancellationToken))
                    {
                        _count++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_QualifiesTheKeyedLock_WhenImportingTheRuntimeWouldMakeNitoAsyncLockAmbiguous()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class CatalogIndexer
            {
                private readonly AsyncLock _rebuild = new();
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_collections|] = new();

                public async Task IndexAsync(string collection, CancellationToken cancellationToken)
                {
                    using (await _rebuild.LockAsync(cancellationToken)) { }
                    var gate = _collections.GetOrAdd(collection, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync(cancellationToken);
                    try { await Task.Delay(1, cancellationToken); }
                    finally { gate.Release(); }
                }
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class CatalogIndexer
            {
                private readonly AsyncLock _rebuild = new();
                private readonly Nuzantara.Concurrency.KeyedAsyncLock<string> _collections = new();

                public async Task IndexAsync(string collection, CancellationToken cancellationToken)
                {
                    using (await _rebuild.LockAsync(cancellationToken)) { }
                    using (await _collections.LockAsync(collection, cancellationToken))
                    { await Task.Delay(1, cancellationToken); }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_QualifiesTheKeyedLock_WhenImportingTheRuntimeWouldMakeAnOwnAttributeAmbiguous()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Shop.Concurrency;

            namespace Shop.Concurrency
            {
                [System.AttributeUsage(System.AttributeTargets.Class)]
                public sealed class ThreadSafeAttribute : System.Attribute { }
            }

            [ThreadSafe]
            public sealed class BasketService
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_baskets|] = new();

                public async Task AddAsync(string basketId)
                {
                    await _baskets.GetOrAdd(basketId, _ => new SemaphoreSlim(1, 1)).WaitAsync();
                    try { await Task.Yield(); }
                    finally { _baskets[basketId].Release(); }
                }
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Shop.Concurrency;

            namespace Shop.Concurrency
            {
                [System.AttributeUsage(System.AttributeTargets.Class)]
                public sealed class ThreadSafeAttribute : System.Attribute { }
            }

            [ThreadSafe]
            public sealed class BasketService
            {
                private readonly Nuzantara.Concurrency.KeyedAsyncLock<string> _baskets = new();

                public async Task AddAsync(string basketId)
                {
                    using (await _baskets.LockAsync(basketId))
                    { await Task.Yield(); }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenAUseCannotBeRewritten()
    {
        const string Source = """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class MemorySaver
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_userLocks|] = new();

                public int TrackedUsers => _userLocks.Count;

                public async Task SaveAsync(string userId, CancellationToken cancellationToken)
                {
                    var gate = _userLocks.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync(cancellationToken);
                    try { await Task.Delay(1, cancellationToken); }
                    finally { gate.Release(); }
                }
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(Source, Source);
    }

    [Fact]
    public async Task Fix_IsNotOffered_ForALockInSynchronousCode_OrAThrottleSemaphore()
    {
        const string Source = """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Throttles
            {
                private readonly ConcurrentDictionary<string, object> [|_accounts|] = new();
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_hosts|] = new();
                private int _balance;

                public void Debit(string account)
                {
                    lock (_accounts.GetOrAdd(account, _ => new object())) { _balance--; }
                }

                public async Task FetchAsync(string host)
                {
                    var slots = _hosts.GetOrAdd(host, _ => new SemaphoreSlim(4, 4));
                    await slots.WaitAsync();
                    try { await Task.Delay(1); }
                    finally { slots.Release(); }
                }
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(Source, Source);
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenTheTypeIsPartialAcrossFiles()
    {
        const string Declaration = """
            using System.Collections.Concurrent;
            using System.Threading;

            public sealed partial class MemorySaver
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_userLocks|] = new();
            }
            """;
        const string Use = """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed partial class MemorySaver
            {
                public async Task SaveAsync(string userId, CancellationToken cancellationToken)
                {
                    var gate = _userLocks.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync(cancellationToken);
                    try { await Task.Delay(1, cancellationToken); }
                    finally { gate.Release(); }
                }
            }
            """;

        await new VerifyCS.Test
        {
            TestState = { Sources = { Declaration, Use } },
            FixedState = { Sources = { Declaration, Use } },
        }.RunAsync();
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenTheLockIsHandedToTheCaller()
    {
        const string Source = """
            using System;
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class DocumentLocks
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_documents|] = new();

                public async Task<IDisposable> AcquireAsync(string documentId, CancellationToken cancellationToken)
                {
                    var gate = _documents.GetOrAdd(documentId, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync(cancellationToken);
                    return new Releaser(gate);
                }

                private sealed class Releaser(SemaphoreSlim gate) : IDisposable
                {
                    public void Dispose() => gate.Release();
                }
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(Source, Source);
    }

    [Fact]
    public async Task Fix_RewritesUsesInsideLambdas_WithTheLambdasOwnToken()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class FeedPoller
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_feeds|] = new();

                public Task PollAllAsync(string[] feeds)
                    => Parallel.ForEachAsync(feeds, async (feed, token) =>
                    {
                        var gate = _feeds.GetOrAdd(feed, _ => new SemaphoreSlim(1, 1));
                        await gate.WaitAsync();
                        try
                        {
                            await Task.Delay(1, token);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    });
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class FeedPoller
            {
                private readonly KeyedAsyncLock<string> _feeds = new();

                public Task PollAllAsync(string[] feeds)
                    => Parallel.ForEachAsync(feeds, async (feed, token) =>
                    {
                        using (await _feeds.LockAsync(feed, token))
                        {
                            await Task.Delay(1, token);
                        }
                    });
            }
            """);
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenTheStoredLockIsUsedAgain()
    {
        const string Source = """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ExportService
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_exports|] = new();

                public async Task<int> ExportAsync(string tenant)
                {
                    var gate = _exports.GetOrAdd(tenant, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync();
                    try { return gate.CurrentCount; }
                    finally { gate.Release(); }
                }
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(Source, Source);
    }

    [Fact]
    public async Task FixAll_RewritesEveryLockDictionaryOfTheDocument()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileService
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> [|_profiles|] = new();
                private static readonly ConcurrentDictionary<int, SemaphoreSlim> [|s_avatars|] = new();

                public async Task UpdateProfileAsync(string userId, CancellationToken cancellationToken)
                {
                    var gate = _profiles.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        var avatar = s_avatars.GetOrAdd(userId.Length, _ => new SemaphoreSlim(1, 1));
                        await avatar.WaitAsync(cancellationToken);
                        try
                        {
                            await Task.Delay(1, cancellationToken);
                        }
                        finally
                        {
                            avatar.Release();
                        }
                    }
                    finally
                    {
                        gate.Release();
                    }
                }

                public async Task ResizeAsync(int size)
                {
                    await s_avatars.GetOrAdd(size, _ => new SemaphoreSlim(1, 1)).WaitAsync();
                    try
                    {
                        await Task.Delay(1);
                    }
                    finally
                    {
                        s_avatars[size].Release();
                    }
                }
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class ProfileService
            {
                private readonly KeyedAsyncLock<string> _profiles = new();
                private static readonly KeyedAsyncLock<int> s_avatars = new();

                public async Task UpdateProfileAsync(string userId, CancellationToken cancellationToken)
                {
                    using (await _profiles.LockAsync(userId, cancellationToken))
                    {
                        using (await s_avatars.LockAsync(userId.Length, cancellationToken))
                        {
                            await Task.Delay(1, cancellationToken);
                        }
                    }
                }

                public async Task ResizeAsync(int size)
                {
                    using (await s_avatars.LockAsync(size))
                    {
                        await Task.Delay(1);
                    }
                }
            }
            """);
    }
}
