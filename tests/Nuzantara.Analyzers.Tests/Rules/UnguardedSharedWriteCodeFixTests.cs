using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateFixVerifier<
    Nuzantara.Analyzers.Rules.UnguardedSharedWriteAnalyzer,
    Nuzantara.Analyzers.Rules.UnguardedSharedWriteCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class UnguardedSharedWriteCodeFixTests
{
    [Fact]
    public async Task CounterInSingleton_GuardsTheIncrement_WithANewAsyncLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RequestCounter
            {
                private long _served;

                public async Task HandleAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(10, cancellationToken);
                    // Count the request once it is served.
                    {|NZ2001:_served++|};
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class RequestCounter
            {
                private long _served;
                private readonly AsyncLock _gate = new();

                public async Task HandleAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(10, cancellationToken);
                    // Count the request once it is served.
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _served++;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<RequestCounter>()"));
    }

    [Fact]
    public async Task FieldUpdatedUnderAnExistingAsyncLock_ReusesThatLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class QuotaTracker
            {
                private readonly AsyncLock _quota = new();
                private int _used;

                public async Task ConsumeAsync(int units, CancellationToken cancellationToken)
                {
                    using (await _quota.LockAsync(cancellationToken))
                    {
                        _used += units;
                    }
                }

                public async Task RefundAsync(int units, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    {|NZ2001:_used -= units|};
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class QuotaTracker
            {
                private readonly AsyncLock _quota = new();
                private int _used;

                public async Task ConsumeAsync(int units, CancellationToken cancellationToken)
                {
                    using (await _quota.LockAsync(cancellationToken))
                    {
                        _used += units;
                    }
                }

                public async Task RefundAsync(int units, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    using (await _quota.LockAsync(cancellationToken))
                    {
                        _used -= units;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task FieldUpdatedUnderASemaphore_ReusesItThroughAcquireAsync()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class WalletService
            {
                private readonly SemaphoreSlim _mutex = new(1, 1);
                private decimal _balance;

                public async Task DepositAsync(decimal amount, CancellationToken cancellationToken)
                {
                    await _mutex.WaitAsync(cancellationToken);
                    try
                    {
                        _balance += amount;
                    }
                    finally
                    {
                        _mutex.Release();
                    }
                }

                public async Task ChargeFeeAsync(decimal fee, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2001:_balance -= fee|};
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class WalletService
            {
                private readonly SemaphoreSlim _mutex = new(1, 1);
                private decimal _balance;

                public async Task DepositAsync(decimal amount, CancellationToken cancellationToken)
                {
                    await _mutex.WaitAsync(cancellationToken);
                    try
                    {
                        _balance += amount;
                    }
                    finally
                    {
                        _mutex.Release();
                    }
                }

                public async Task ChargeFeeAsync(decimal fee, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _mutex.AcquireAsync(TimeSpan.FromSeconds(5), cancellationToken))
                    {
                        _balance -= fee;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task SynchronousMethod_InATypeThatLocksAnObject_UsesTheLockStatement()
    {
        await Verify.VerifyAsync(
            """
            public sealed class HitCounter
            {
                private readonly object _sync = new();
                private int _hits;
                private int _misses;

                public void Hit()
                {
                    lock (_sync)
                    {
                        _hits++;
                    }
                }

                public void Miss() => {|NZ2001:_misses++|};
            }
            """,
            """
            public sealed class HitCounter
            {
                private readonly object _sync = new();
                private int _hits;
                private int _misses;

                public void Hit()
                {
                    lock (_sync)
                    {
                        _hits++;
                    }
                }

                public void Miss()
                {
                    lock (_sync)
                    {
                        _misses++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task PrivateSynchronousHelper_OfStateAsyncCodeReads_IsMadeAsyncOnlyAsAnExplicitChoice()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class IngestionStats
            {
                private int _documents;

                public async Task IngestAsync(string text, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    RecordDocument();
                }

                public async Task<int> CountAsync(Task flush)
                {
                    await flush;
                    return _documents;
                }

                private void RecordDocument()
                {
                    {|NZ2001:_documents++|};
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class IngestionStats
            {
                private int _documents;
                private readonly AsyncLock _gate = new();

                public async Task IngestAsync(string text, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    await RecordDocumentAsync();
                }

                public async Task<int> CountAsync(Task flush)
                {
                    await flush;
                    return _documents;
                }

                private async Task RecordDocumentAsync()
                {
                    using (await _gate.LockAsync())
                    {
                        _documents++;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<IngestionStats>()"),
            equivalenceKey: "NZ2001.GuardMakeAsync");
    }

    [Fact]
    public async Task SynchronousCodeOnly_GetsANewObjectLock_SharedByEveryFix()
    {
        await Verify.VerifyAsync(
            """
            public sealed class CartTotals
            {
                private int _items;
                private decimal _total;

                public void Add(decimal price)
                {
                    {|NZ2001:_items++|};
                    {|NZ2001:_total += price|};
                }

                public void Remove(decimal price) => {|NZ2001:_total -= price|};
            }
            """,
            """
            public sealed class CartTotals
            {
                private int _items;
                private decimal _total;
                private readonly object _sync = new();

                public void Add(decimal price)
                {
                    lock (_sync)
                    {
                        _items++;
                        _total += price;
                    }
                }

                public void Remove(decimal price)
                {
                    lock (_sync)
                    {
                        _total -= price;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<CartTotals>()"));
    }

    [Fact]
    public async Task PublicSynchronousMethod_OfStateAnAsyncLockGuards_GetsNoFix()
    {
        const string Source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class BatchWriter
            {
                private readonly AsyncLock _gate = new();
                private int _pending;

                public async Task AddAsync(CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _pending++;
                    }
                }

                public void Reset() => {|NZ2001:_pending = 0|};
            }
            """;

        await Verify.VerifyAsync(Source, Source);
    }

    [Fact]
    public async Task StaticCounterInAConstructor_GetsAStaticObjectLock()
    {
        await Verify.VerifyAsync(
            """
            public sealed class ReportRenderer
            {
                private static int _instances;

                public ReportRenderer() => {|NZ2001:_instances++|};
            }
            """,
            """
            public sealed class ReportRenderer
            {
                private static int _instances;
                private static readonly object _sync = new();

                public ReportRenderer()
                {
                    lock (_sync)
                    {
                        _instances++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task HelperCalledBothUnderTheLockAndWithoutIt_TakesTheReentrantMonitor()
    {
        await Verify.VerifyAsync(
            """
            public sealed class ConnectionPool
            {
                private readonly object _sync = new();
                private int _open;

                public void Open()
                {
                    lock (_sync)
                    {
                        Track();
                    }
                }

                public void OpenUnchecked() => Track();

                private void Track() => {|NZ2001:_open++|};
            }
            """,
            """
            public sealed class ConnectionPool
            {
                private readonly object _sync = new();
                private int _open;

                public void Open()
                {
                    lock (_sync)
                    {
                        Track();
                    }
                }

                public void OpenUnchecked() => Track();

                private void Track()
                {
                    lock (_sync)
                    {
                        _open++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task StaticCounter_GetsAStaticLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;

            public sealed class ConnectionFactory
            {
                private static int _opened;

                public async Task<object> OpenAsync()
                {
                    await Task.Yield();
                    {|NZ2001:_opened++|};
                    return new object();
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class ConnectionFactory
            {
                private static int _opened;
                private static readonly AsyncLock _gate = new();

                public async Task<object> OpenAsync()
                {
                    await Task.Yield();
                    using (await _gate.LockAsync())
                    {
                        _opened++;
                    }

                    return new object();
                }
            }
            """);
    }

    [Fact]
    public async Task SeveralWritesInOneDocument_ShareOneInsertedLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class UploadStatistics
            {
                private int _uploads;
                private int _failures;
                private long _bytes;

                public async Task UploadedAsync(long size, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2001:_uploads++|};
                    {|NZ2001:_bytes += size|};
                }

                public async Task FailedAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2001:_failures++|};
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class UploadStatistics
            {
                private int _uploads;
                private int _failures;
                private long _bytes;
                private readonly AsyncLock _gate = new();

                public async Task UploadedAsync(long size, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _uploads++;
                        _bytes += size;
                    }
                }

                public async Task FailedAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _failures++;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<UploadStatistics>()"));
    }

    [Fact]
    public async Task PrivateHelperReturningAValue_IsMadeAsync_AndEveryCallerAwaitsIt()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;

            public sealed class TicketDispenser
            {
                private int _next;

                public async Task<string> IssueAsync(Task reserve)
                {
                    await reserve;
                    var first = Take();
                    return first + "-" + Take().ToString("D4");
                }

                public async Task<int> IssuedAsync(Task sync)
                {
                    await sync;
                    return _next;
                }

                private int Take()
                {
                    return {|NZ2001:_next++|};
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class TicketDispenser
            {
                private int _next;
                private readonly AsyncLock _gate = new();

                public async Task<string> IssueAsync(Task reserve)
                {
                    await reserve;
                    var first = await TakeAsync();
                    return first + "-" + (await TakeAsync()).ToString("D4");
                }

                public async Task<int> IssuedAsync(Task sync)
                {
                    await sync;
                    return _next;
                }

                private async Task<int> TakeAsync()
                {
                    using (await _gate.LockAsync())
                    {
                        return _next++;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<TicketDispenser>()"),
            equivalenceKey: "NZ2001.GuardMakeAsync");
    }

    [Fact]
    public async Task PropertySetter_InATypeThatLocksAnObject_UsesTheLockStatement()
    {
        await Verify.VerifyAsync(
            """
            public sealed class RateLimit
            {
                private readonly object _sync = new();
                private int _perMinute = 60;

                public void Halve()
                {
                    lock (_sync)
                    {
                        _perMinute /= 2;
                    }
                }

                public int PerMinute
                {
                    get => _perMinute;
                    set => {|NZ2001:_perMinute = value|};
                }
            }
            """,
            """
            public sealed class RateLimit
            {
                private readonly object _sync = new();
                private int _perMinute = 60;

                public void Halve()
                {
                    lock (_sync)
                    {
                        _perMinute /= 2;
                    }
                }

                public int PerMinute
                {
                    get => _perMinute;
                    set
                    {
                        lock (_sync)
                        {
                            _perMinute = value;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task NitoAsyncLockOfTheType_IsReused()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class StockLevels
            {
                private readonly AsyncLock _mutex = new();
                private int _onHand;

                public async Task ReceiveAsync(int units)
                {
                    using (await _mutex.LockAsync())
                    {
                        _onHand += units;
                    }
                }

                public async Task ShipAsync(int units, Task label)
                {
                    await label;
                    {|NZ2001:_onHand -= units|};
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class StockLevels
            {
                private readonly AsyncLock _mutex = new();
                private int _onHand;

                public async Task ReceiveAsync(int units)
                {
                    using (await _mutex.LockAsync())
                    {
                        _onHand += units;
                    }
                }

                public async Task ShipAsync(int units, Task label)
                {
                    await label;
                    using (await _mutex.LockAsync())
                    {
                        _onHand -= units;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task TwoServicesInOneDocument_EachGetTheirOwnLock_UnderAFreeName()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;

            public sealed class LoginAttempts
            {
                private int _failed;

                public async Task FailAsync(Task log)
                {
                    await log;
                    {|NZ2001:_failed++|};
                }
            }

            public sealed class GateCounter
            {
                private int _gate;

                public async Task PassAsync(Task scan)
                {
                    await scan;
                    {|NZ2001:_gate++|};
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class LoginAttempts
            {
                private int _failed;
                private readonly AsyncLock _gate = new();

                public async Task FailAsync(Task log)
                {
                    await log;
                    using (await _gate.LockAsync())
                    {
                        _failed++;
                    }
                }
            }

            public sealed class GateCounter
            {
                private int _gate;
                private readonly AsyncLock _gate2 = new();

                public async Task PassAsync(Task scan)
                {
                    await scan;
                    using (await _gate2.LockAsync())
                    {
                        _gate++;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<LoginAttempts>()", "AddSingleton<GateCounter>()"));
    }
}
