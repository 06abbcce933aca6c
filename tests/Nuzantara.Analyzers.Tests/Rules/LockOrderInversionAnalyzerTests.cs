using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Nuzantara.Analyzers.Rules.LockOrderInversionAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class LockOrderInversionAnalyzerTests
{
    [Fact]
    public async Task LockStatements_InOppositeOrders_InTransferService_ReportBothSites_PointingAtEachOther()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;

            public sealed class TransferService
            {
                private readonly object _accounts = new();
                private readonly object _ledger = new();
                private readonly Dictionary<string, decimal> _balances = new();
                private readonly List<string> _entries = new();

                public void Transfer(string from, string to, decimal amount)
                {
                    lock (_accounts)
                    {
                        _balances[from] -= amount;
                        _balances[to] += amount;
                        lock ({|#0:_ledger|})
                        {
                            _entries.Add($"{from}->{to}:{amount}");
                        }
                    }
                }

                public void Refund(string entry)
                {
                    lock (_ledger)
                    {
                        _entries.Remove(entry);
                        lock ({|#1:_accounts|})
                        {
                            _balances[entry] = 0;
                        }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(1).WithArguments("_ledger", "_accounts", "TransferService.Refund"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(0).WithArguments("_accounts", "_ledger", "TransferService.Transfer"));
    }

    [Fact]
    public async Task NestedUsingOfAsyncLocks_InOppositeOrders_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class ConversationStore
            {
                private readonly AsyncLock _cache = new();
                private readonly Nito.AsyncEx.AsyncLock _database = new();

                public async Task SaveAsync(CancellationToken cancellationToken)
                {
                    using (await _cache.LockAsync(cancellationToken))
                    {
                        using (await {|#0:_database.LockAsync(cancellationToken)|})
                        {
                            await Task.Yield();
                        }
                    }
                }

                public async Task RepairAsync(CancellationToken cancellationToken)
                {
                    using var database = await _database.LockAsync(cancellationToken);
                    await Task.Yield();
                    using var cache = await {|#1:_cache.LockAsync(cancellationToken)|};
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(1).WithArguments("_database", "_cache", "ConversationStore.RepairAsync"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(0).WithArguments("_cache", "_database", "ConversationStore.SaveAsync"));
    }

    [Fact]
    public async Task SemaphoreAndMonitor_TryFinallyNesting_InOppositeOrders_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ConnectionPool
            {
                private readonly SemaphoreSlim _slots = new(10, 10);
                private readonly object _idle = new();
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(1);

                public async Task<object> RentAsync(CancellationToken cancellationToken)
                {
                    if (!await _slots.WaitAsync(_timeout, cancellationToken)) { throw new TimeoutException(); }
                    try
                    {
                        {|#0:Monitor.Enter(_idle)|};
                        try { return new object(); }
                        finally { Monitor.Exit(_idle); }
                    }
                    finally
                    {
                        _slots.Release();
                    }
                }

                public void Shrink()
                {
                    Monitor.Enter(_idle);
                    try
                    {
                        if ({|#1:_slots.Wait(_timeout)|})
                        {
                            _slots.Release();
                        }
                    }
                    finally
                    {
                        Monitor.Exit(_idle);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(1).WithArguments("_idle", "_slots", "ConnectionPool.Shrink"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(0).WithArguments("_slots", "_idle", "ConnectionPool.RentAsync"));
    }

    [Fact]
    public async Task InnerLockTakenByAPrivateHelper_WhileTheOuterIsHeld_ReportsAtTheCall()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;

            public sealed class ProductCache
            {
                private readonly object _entries = new();
                private readonly object _index = new();
                private readonly Dictionary<string, string> _byId = new();
                private readonly SortedSet<string> _names = new();

                public void Put(string id, string name)
                {
                    lock (_entries)
                    {
                        _byId[id] = name;
                        {|#0:Reindex(name)|};
                    }
                }

                public void Rebuild()
                {
                    lock (_index)
                    {
                        _names.Clear();
                        lock ({|#1:_entries|})
                        {
                            _names.UnionWith(_byId.Values);
                        }
                    }
                }

                private void Reindex(string name)
                {
                    lock (_index) { _names.Add(name); }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(1).WithArguments("_index", "_entries", "ProductCache.Rebuild"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(0).WithArguments("_entries", "_index", "ProductCache.Put"));
    }

    [Fact]
    public async Task MonitorEnterWithLockTaken_AndALocalFunctionTakingTheInnerLock_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;
            using System.Threading;

            public sealed class RateLimiter
            {
                private readonly object _buckets = new();
                private readonly Lock _clock = new();
                private readonly Dictionary<string, int> _tokens = new();

                public bool TryTake(string client)
                {
                    var taken = false;
                    try
                    {
                        Monitor.Enter(_buckets, ref taken);
                        {|#0:Refill()|};
                        return _tokens.TryGetValue(client, out var left) && left > 0;
                    }
                    finally
                    {
                        if (taken) { Monitor.Exit(_buckets); }
                    }

                    void Refill()
                    {
                        lock (_clock) { _tokens.Clear(); }
                    }
                }

                public void Tick()
                {
                    using (_clock.EnterScope())
                    {
                        lock ({|#1:_buckets|}) { _tokens.Clear(); }
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(1).WithArguments("_clock", "_buckets", "RateLimiter.Tick"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(0).WithArguments("_buckets", "_clock", "RateLimiter.TryTake"));
    }

    [Fact]
    public async Task StaticLocksShared_ByTwoServices_InOppositeOrders_ReportWithQualifiedNames()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Threading;

            public static class Locks
            {
                public static readonly object Config = new();
                public static readonly ReaderWriterLockSlim Routes = new();
            }

            public sealed class ConfigReloader
            {
                public void Reload()
                {
                    lock (Locks.Config)
                    {
                        {|#0:Locks.Routes.EnterWriteLock()|};
                        try { } finally { Locks.Routes.ExitWriteLock(); }
                    }
                }
            }

            public sealed class Router
            {
                public void Resolve()
                {
                    Locks.Routes.EnterReadLock();
                    try
                    {
                        lock ({|#1:Locks.Config|}) { }
                    }
                    finally
                    {
                        Locks.Routes.ExitReadLock();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(1).WithArguments("Locks.Routes", "Locks.Config", "Router.Resolve"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(0).WithArguments("Locks.Config", "Locks.Routes", "ConfigReloader.Reload"));
    }

    [Fact]
    public async Task KeyedLockAndSingleLock_InOppositeOrders_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MemoryOrchestrator
            {
                private readonly KeyedAsyncReaderWriterLock<string> _users = new();
                private readonly AsyncLock _facts = new();

                public async Task ProcessConversationAsync(string userId, CancellationToken cancellationToken)
                {
                    using (await _users.WriteLockAsync(userId, cancellationToken))
                    using (await {|#0:_facts.LockAsync(TimeSpan.FromSeconds(2), cancellationToken)|})
                    {
                        await Task.Yield();
                    }
                }

                public async Task CompactAsync(string userId, CancellationToken cancellationToken)
                {
                    using var handle = await _facts.TryLockAsync(TimeSpan.FromSeconds(1), cancellationToken);
                    if (!handle.IsAcquired) { return; }
                    using (await {|#1:_users.ReadLockAsync(userId, cancellationToken)|}) { }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(1).WithArguments("_facts", "_users", "MemoryOrchestrator.CompactAsync"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(0).WithArguments("_users", "_facts", "MemoryOrchestrator.ProcessConversationAsync"));
    }

    [Fact]
    public async Task EveryPlaceOfTheInvertedOrder_IsReported()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            public sealed class InventoryService
            {
                private readonly object _stock = new();
                private readonly object _orders = new();

                public void Reserve() { lock (_stock) { lock ({|#0:_orders|}) { } } }

                public void Release() { lock (_stock) { lock ({|#1:_orders|}) { } } }

                public void Cancel() { lock (_orders) { lock ({|#2:_stock|}) { } } }
            }
            """,
            VerifyCS.Diagnostic("NZ1006").WithLocation(0).WithLocation(2).WithArguments("_orders", "_stock", "InventoryService.Cancel"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(1).WithLocation(2).WithArguments("_orders", "_stock", "InventoryService.Cancel"),
            VerifyCS.Diagnostic("NZ1006").WithLocation(2).WithLocation(0).WithArguments("_stock", "_orders", "InventoryService.Reserve"));
    }

    [Fact]
    public async Task ConsistentOrderEverywhere_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class TransferService
            {
                private readonly AsyncLock _accounts = new();
                private readonly SemaphoreSlim _ledger = new(1, 1);

                public async Task TransferAsync(CancellationToken cancellationToken)
                {
                    using (await _accounts.LockAsync(cancellationToken))
                    {
                        await _ledger.WaitAsync(cancellationToken);
                        try { } finally { _ledger.Release(); }
                    }
                }

                public async Task RefundAsync(CancellationToken cancellationToken)
                {
                    using var accounts = await _accounts.LockAsync(cancellationToken);
                    await AppendAsync(cancellationToken);
                }

                private async Task AppendAsync(CancellationToken cancellationToken)
                {
                    await _ledger.WaitAsync(cancellationToken);
                    try { } finally { _ledger.Release(); }
                }
            }
            """);
    }

    [Fact]
    public async Task SameLockNested_AndKeyedLockTakenForTwoKeys_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class TransferService
            {
                private readonly KeyedAsyncLock<string> _accounts = new();
                private readonly object _sync = new();

                public async Task TransferAsync(string from, string to, CancellationToken cancellationToken)
                {
                    using (await _accounts.LockAsync(from, cancellationToken))
                    using (await _accounts.LockAsync(to, cancellationToken))
                    {
                        await Task.Yield();
                    }
                }

                public async Task RefundAsync(string from, string to, CancellationToken cancellationToken)
                {
                    using (await _accounts.LockAsync(to, cancellationToken))
                    using (await _accounts.LockAsync(from, cancellationToken))
                    {
                        await Task.Yield();
                    }
                }

                public void Audit()
                {
                    lock (_sync)
                    {
                        lock (_sync) { }
                        Monitor.Enter(_sync);
                        Monitor.Exit(_sync);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LocksHeldInLocalsOrParameters_HaveNoKnownIdentity_AndDoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            public sealed class Account
            {
                public object Sync { get; } = new();
            }

            public static class Transfers
            {
                public static void Move(object from, object to)
                {
                    lock (from) { lock (to) { } }
                }

                public static void MoveBack(object from, object to)
                {
                    lock (to) { lock (from) { } }
                }

                public static void Swap()
                {
                    var left = new object();
                    var right = new object();
                    lock (left) { lock (right) { } }
                    lock (right) { lock (left) { } }
                }
            }
            """);
    }

    [Fact]
    public async Task LockReleasedBeforeTheOtherIsTaken_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionCache
            {
                private readonly SemaphoreSlim _sessions = new(1, 1);
                private readonly object _stats = new();
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(1);

                public async Task TouchAsync()
                {
                    if (!await _sessions.WaitAsync(_timeout)) { return; }
                    try
                    {
                        await Task.Yield();
                    }
                    finally
                    {
                        _sessions.Release();
                        lock (_stats) { }
                    }

                    Monitor.Enter(_stats);
                    Monitor.Exit(_stats);
                    lock (_stats) { }
                }

                public void Evict()
                {
                    _sessions.Wait(_timeout);
                    _sessions.Release();
                    lock (_stats)
                    {
                        if (_sessions.Wait(_timeout)) { _sessions.Release(); }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LambdaRunLater_ZeroTimeoutProbe_AndPublicCallsOfOtherTypes_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Auditor
            {
                private readonly object _log = new();

                public void Write() { lock (_log) { } }
            }

            public sealed class PriceFeed
            {
                private readonly object _prices = new();
                private readonly SemaphoreSlim _publish = new(1, 1);
                private readonly Auditor _auditor = new();

                public void Update()
                {
                    lock (_prices)
                    {
                        // Runs later on the pool, not while _prices is held.
                        _ = Task.Run(() =>
                        {
                            _publish.Wait(1000);
                            _publish.Release();
                        });

                        // A probe never waits, so it cannot be the waiting half of a deadlock.
                        if (_publish.Wait(0)) { _publish.Release(); }
                        _auditor.Write();
                    }
                }

                public async Task PublishAsync(CancellationToken cancellationToken)
                {
                    await _publish.WaitAsync(cancellationToken);
                    try
                    {
                        lock (_prices) { }
                    }
                    finally
                    {
                        _publish.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task SameFieldNamesInUnrelatedTypes_AreDistinctLocks_AndDoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            public sealed class UserCache
            {
                private readonly object _sync = new();
                private readonly object _evictions = new();

                public void Evict() { lock (_sync) { lock (_evictions) { } } }
            }

            public sealed class OrderCache
            {
                private readonly object _sync = new();
                private readonly object _evictions = new();

                public void Evict() { lock (_evictions) { lock (_sync) { } } }
            }
            """);
    }

    [Fact]
    public async Task GeneratedCode_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            // <auto-generated/>
            public sealed class Generated
            {
                private readonly object _a = new();
                private readonly object _b = new();

                public void One() { lock (_a) { lock (_b) { } } }

                public void Two() { lock (_b) { lock (_a) { } } }
            }
            """);
    }
}
