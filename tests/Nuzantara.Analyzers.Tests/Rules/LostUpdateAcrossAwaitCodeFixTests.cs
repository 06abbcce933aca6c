using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateFixVerifier<
    Nuzantara.Analyzers.Rules.LostUpdateAcrossAwaitAnalyzer,
    Nuzantara.Analyzers.Rules.LostUpdateAcrossAwaitCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class LostUpdateAcrossAwaitCodeFixTests
{
    [Fact]
    public async Task CompoundAssignmentOfAwaitedValue_GuardsTheStatement()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public interface IPricing
            {
                Task<decimal> GetAsync(string sku, CancellationToken cancellationToken);
            }

            public sealed class CartTotals(IPricing pricing)
            {
                private decimal _total;

                public async Task AddAsync(string sku, CancellationToken cancellationToken)
                {
                    {|NZ2002:_total += await pricing.GetAsync(sku, cancellationToken)|};
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public interface IPricing
            {
                Task<decimal> GetAsync(string sku, CancellationToken cancellationToken);
            }

            public sealed class CartTotals(IPricing pricing)
            {
                private decimal _total;
                private readonly AsyncLock _gate = new();

                public async Task AddAsync(string sku, CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _total += await pricing.GetAsync(sku, cancellationToken);
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<CartTotals>()"));
    }

    [Fact]
    public async Task ExpressionBodiedMethod_BecomesABlockWithTheGuard()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;

            public sealed class UsageMeter
            {
                private long _tokens;

                public async Task RecordAsync(Task<long> usage) => {|NZ2002:_tokens += await usage|};
            }
            """,
            """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class UsageMeter
            {
                private long _tokens;
                private readonly AsyncLock _gate = new();

                public async Task RecordAsync(Task<long> usage)
                {
                    using (await _gate.LockAsync())
                    {
                        _tokens += await usage;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<UsageMeter>()"));
    }

    [Fact]
    public async Task ReadAwaitWrite_ThroughALocal_GuardsFromTheReadToTheWrite_WithTheExistingLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SeatInventory
            {
                private readonly AsyncLock _gate = new();
                private int _available = 100;

                public async Task ReleaseAsync(int seats, CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _available += seats;
                    }
                }

                public async Task ReserveAsync(int seats, Task persist, CancellationToken cancellationToken)
                {
                    // Reserve, persist, then publish the new count.
                    var available = _available;
                    await persist;
                    {|NZ2002:_available = available - seats|};
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SeatInventory
            {
                private readonly AsyncLock _gate = new();
                private int _available = 100;

                public async Task ReleaseAsync(int seats, CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _available += seats;
                    }
                }

                public async Task ReserveAsync(int seats, Task persist, CancellationToken cancellationToken)
                {
                    // Reserve, persist, then publish the new count.
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        var available = _available;
                        await persist;
                        _available = available - seats;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LocalDeclaredInTheSpanAndUsedAfterIt_ExtendsTheGuardToTheEndOfTheBlock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class InvoiceNumbers
            {
                private int _next = 1;

                public async Task<string> IssueAsync(Task audit, CancellationToken cancellationToken)
                {
                    var number = _next;
                    await audit;
                    {|NZ2002:_next = number + 1|};
                    var formatted = "INV-" + number;
                    return formatted;
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class InvoiceNumbers
            {
                private int _next = 1;
                private readonly AsyncLock _gate = new();

                public async Task<string> IssueAsync(Task audit, CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        var number = _next;
                        await audit;
                        _next = number + 1;
                        var formatted = "INV-" + number;
                        return formatted;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<InvoiceNumbers>()"));
    }

    [Fact]
    public async Task SemaphoreLockedFile_UsesAcquireAsync_WithConfigureAwait()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class BudgetService
            {
                private readonly SemaphoreSlim _budgetLock = new(1, 1);
                private decimal _spent;

                public async Task ResetAsync(CancellationToken cancellationToken)
                {
                    await _budgetLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        _spent = 0;
                    }
                    finally
                    {
                        _budgetLock.Release();
                    }
                }

                public async Task SpendAsync(Task<decimal> cost, CancellationToken cancellationToken)
                {
                    {|NZ2002:_spent += await cost.ConfigureAwait(false)|};
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class BudgetService
            {
                private readonly SemaphoreSlim _budgetLock = new(1, 1);
                private decimal _spent;

                public async Task ResetAsync(CancellationToken cancellationToken)
                {
                    await _budgetLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        _spent = 0;
                    }
                    finally
                    {
                        _budgetLock.Release();
                    }
                }

                public async Task SpendAsync(Task<decimal> cost, CancellationToken cancellationToken)
                {
                    using (await _budgetLock.AcquireAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false))
                    {
                        _spent += await cost.ConfigureAwait(false);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task StateGuardedByAMonitorElsewhere_CannotHoldItAcrossTheAwait_AndGetsNoFix()
    {
        const string Source = """
            using System.Threading.Tasks;

            public sealed class RateWindow
            {
                private readonly object _sync = new();
                private int _requests;

                public void Reset()
                {
                    lock (_sync)
                    {
                        _requests = 0;
                    }
                }

                public async Task TrackAsync(Task send) => {|NZ2002:_requests = _requests + await Count(send)|};

                private static async Task<int> Count(Task send)
                {
                    await send;
                    return 1;
                }
            }
            """;

        await Verify.VerifyAsync(Source, Source);
    }

    [Fact]
    public async Task LostUpdatesInSeveralMethods_ShareOneInsertedLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;

            public sealed class LedgerProjection
            {
                private decimal _credits;
                private decimal _debits;

                public async Task CreditAsync(Task<decimal> amount) => {|NZ2002:_credits += await amount|};

                public async Task DebitAsync(Task<decimal> amount)
                {
                    var debits = _debits;
                    var value = await amount;
                    {|NZ2002:_debits = debits + value|};
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class LedgerProjection
            {
                private decimal _credits;
                private decimal _debits;
                private readonly AsyncLock _gate = new();

                public async Task CreditAsync(Task<decimal> amount)
                {
                    using (await _gate.LockAsync())
                    {
                        _credits += await amount;
                    }
                }

                public async Task DebitAsync(Task<decimal> amount)
                {
                    using (await _gate.LockAsync())
                    {
                        var debits = _debits;
                        var value = await amount;
                        _debits = debits + value;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<LedgerProjection>()"));
    }

    [Fact]
    public async Task SpanCallingAMethodThatTakesTheLock_GetsNoFix_BecauseTheGuardWouldWaitForItself()
    {
        const string Source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class DocumentIndex
            {
                private readonly AsyncLock _gate = new();
                private int _version;

                public async Task BumpAsync(CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _version++;
                    }
                }

                public async Task RebuildAsync(CancellationToken cancellationToken)
                {
                    var version = _version;
                    await FlushAsync(cancellationToken);
                    {|NZ2002:_version = version + 1|};
                }

                private async Task FlushAsync(CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        await Task.Delay(1, cancellationToken);
                    }
                }
            }
            """;

        await Verify.VerifyAsync(Source, Source);
    }

    [Fact]
    public async Task LostUpdateInATaskRunCallback_IsGuardedInsideTheLambda()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;

            public sealed class ReindexScheduler
            {
                private int _generation;

                public void Schedule(Task<int> rebuild)
                {
                    _ = Task.Run(async () =>
                    {
                        var generation = _generation;
                        var added = await rebuild;
                        {|NZ2002:_generation = generation + added|};
                    });
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class ReindexScheduler
            {
                private int _generation;
                private readonly AsyncLock _gate = new();

                public void Schedule(Task<int> rebuild)
                {
                    _ = Task.Run(async () =>
                    {
                        using (await _gate.LockAsync())
                        {
                            var generation = _generation;
                            var added = await rebuild;
                            _generation = generation + added;
                        }
                    });
                }
            }
            """,
            Verify.Program("AddSingleton<ReindexScheduler>()"));
    }

    [Fact]
    public async Task LostUpdateInACatchBlock_IsGuardedThere()
    {
        await Verify.VerifyAsync(
            """
            using System;
            using System.Threading.Tasks;

            public sealed class CircuitBreaker
            {
                private int _failures;

                public async Task CallAsync(Func<Task> call, Task<int> weight)
                {
                    try
                    {
                        await call();
                    }
                    catch (TimeoutException)
                    {
                        {|NZ2002:_failures += await weight|};
                        throw;
                    }
                }
            }
            """,
            """
            using System;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class CircuitBreaker
            {
                private int _failures;
                private readonly AsyncLock _gate = new();

                public async Task CallAsync(Func<Task> call, Task<int> weight)
                {
                    try
                    {
                        await call();
                    }
                    catch (TimeoutException)
                    {
                        using (await _gate.LockAsync())
                        {
                            _failures += await weight;
                        }

                        throw;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<CircuitBreaker>()"));
    }
}
