using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Nuzantara.Analyzers.Rules.ThreadAffineLockAcrossAwaitAnalyzer,
    Nuzantara.Analyzers.Rules.ThreadAffineLockAcrossAwaitCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class ThreadAffineLockAcrossAwaitAnalyzerTests
{
    [Fact]
    public async Task MonitorHeldAcrossAwait_Reports_NamingTheAwait()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionCache
            {
                private readonly object _sync = new();
                private readonly Dictionary<string, string> _sessions = new();

                public async Task RefreshAsync(string user, ISessionStore store, CancellationToken cancellationToken)
                {
                    {|#0:Monitor.Enter(_sync)|};
                    try
                    {
                        _sessions[user] = await store.LoadAsync(user, cancellationToken);
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }
                }
            }

            public interface ISessionStore
            {
                Task<string> LoadAsync(string user, CancellationToken cancellationToken);
            }
            """,
            VerifyCS.Diagnostic("NZ1005").WithLocation(0).WithArguments("Monitor '_sync'", "await store.LoadAsync(user, cancellationToken)"));
    }

    [Fact]
    public async Task ReaderWriterLockSlimHeldAcrossAwait_InReadAndWriteMode_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class PriceBook
            {
                private readonly ReaderWriterLockSlim _prices = new();
                private readonly Dictionary<string, decimal> _book = new();

                public async Task ReloadAsync(Func<Task<Dictionary<string, decimal>>> load)
                {
                    [|_prices.EnterWriteLock()|];
                    try
                    {
                        var fresh = await load().ConfigureAwait(false);
                        _book.Clear();
                        foreach (var price in fresh)
                        {
                            _book[price.Key] = price.Value;
                        }
                    }
                    finally
                    {
                        _prices.ExitWriteLock();
                    }
                }

                public async Task<decimal> QuoteAsync(string sku, Func<decimal, Task<decimal>> convert)
                {
                    [|_prices.EnterReadLock()|];
                    try
                    {
                        return await convert(_book[sku]);
                    }
                    finally
                    {
                        _prices.ExitReadLock();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task MutexAndThreadingLockHeldAcrossAwait_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class LedgerWriter
            {
                private readonly Mutex _file = new(false, "ledger");
                private readonly Lock _batch = new();
                private int _pending;

                public async Task AppendAsync(Func<Task> write)
                {
                    if ([|_file.WaitOne(TimeSpan.FromSeconds(5))|])
                    {
                        try { await write(); }
                        finally { _file.ReleaseMutex(); }
                    }

                    [|_batch.Enter()|];
                    try
                    {
                        _pending++;
                        await Task.Delay(10);
                        _pending--;
                    }
                    finally
                    {
                        _batch.Exit();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitForeachAndAwaitUsing_WhileHoldingMonitor_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class EventSink
            {
                private readonly object _sync = new();
                private readonly List<string> _events = new();

                public async Task DrainAsync(IAsyncEnumerable<string> source)
                {
                    {|#0:Monitor.Enter(_sync)|};
                    try
                    {
                        await foreach (var item in source)
                        {
                            _events.Add(item);
                        }
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }
                }

                public async Task SaveAsync(Func<Stream> open)
                {
                    [|Monitor.Enter(_events)|];
                    try
                    {
                        await using var stream = open();
                        stream.WriteByte(1);
                    }
                    finally
                    {
                        Monitor.Exit(_events);
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1005").WithLocation(0).WithArguments("Monitor '_sync'", "await foreach (var item in source)"));
    }

    [Fact]
    public async Task SpinLockAndFlagGuardedMonitor_HeldAcrossAwait_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Counter
            {
                private readonly object _sync = new();
                private SpinLock _spin = new(false);
                private long _value;

                public async Task IncrementAsync()
                {
                    var taken = false;
                    try
                    {
                        [|Monitor.Enter(_sync, ref taken)|];
                        await Task.Yield();
                        _value++;
                    }
                    finally
                    {
                        if (taken) Monitor.Exit(_sync);
                    }
                }

                public async Task DecrementAsync()
                {
                    var taken = false;
                    try
                    {
                        [|_spin.Enter(ref taken)|];
                        _value--;
                        await Task.Yield();
                    }
                    finally
                    {
                        if (taken) _spin.Exit();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UnprotectedPairing_AcrossAwait_InALambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class BackgroundFlusher
            {
                private readonly object _sync = new();
                private int _dirty;

                public void Start(Func<Task> flush)
                {
                    _ = Task.Run(async () =>
                    {
                        [|Monitor.Enter(_sync)|];
                        await flush();
                        _dirty = 0;
                        Monitor.Exit(_sync);
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task NoAwaitBetweenAcquireAndRelease_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionCache
            {
                private readonly object _sync = new();
                private readonly ReaderWriterLockSlim _entries = new();
                private readonly Dictionary<string, string> _sessions = new();

                public async Task RefreshAsync(string user, Task<string> pending)
                {
                    var value = await pending;
                    Monitor.Enter(_sync);
                    try
                    {
                        _sessions[user] = value;
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }

                    await Task.Yield();

                    _entries.EnterReadLock();
                    try { _ = _sessions.Count; }
                    finally { _entries.ExitReadLock(); }
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitInsideALambdaDefinedWhileHolding_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Subscriptions
            {
                private readonly object _sync = new();
                private readonly List<Func<Task>> _handlers = new();

                public async Task SubscribeAsync(Func<Task> handler)
                {
                    Monitor.Enter(_sync);
                    try
                    {
                        _handlers.Add(async () => await handler());
                        _handlers.Add(Wrapped);

                        async Task Wrapped()
                        {
                            await handler();
                        }
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }

                    await Task.Yield();
                }
            }
            """);
    }

    [Fact]
    public async Task AsyncLocksAcrossAwait_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class MemorySaver
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly Nito.AsyncEx.AsyncLock _nito = new();
                private readonly Nito.AsyncEx.AsyncSemaphore _throttle = new(2);
                private readonly Nuzantara.Concurrency.AsyncLock _runtime = new();
                private readonly Nuzantara.Concurrency.KeyedAsyncLock<string> _users = new();

                public async Task SaveAsync(string user, Func<Task> save, CancellationToken cancellationToken)
                {
                    await _gate.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                    try { await save(); }
                    finally { _gate.Release(); }

                    using (await _nito.LockAsync(cancellationToken)) { await save(); }

                    await _throttle.WaitAsync(cancellationToken);
                    try { await save(); }
                    finally { _throttle.Release(); }

                    using (await _runtime.LockAsync(cancellationToken)) { await save(); }
                    using (await _users.LockAsync(user, cancellationToken)) { await save(); }
                }
            }
            """);
    }

    [Fact]
    public async Task LockTakenInOneMethod_AndReleasedInAnother_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ExclusiveJournal : IDisposable
            {
                private readonly Mutex _journal = new(false, "journal");

                public async Task OpenAsync(Func<Task> replay)
                {
                    _journal.WaitOne(TimeSpan.FromSeconds(10));
                    await replay();
                }

                public void Dispose() => _journal.ReleaseMutex();
            }
            """);
    }

    [Fact]
    public async Task ReleaserReturnedToTheCaller_AndTimedEnterWithATimeoutField_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class LegacyGate
            {
                private readonly object _sync = new();
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(1);
                private int _count;

                public async Task<IDisposable> EnterAsync(Func<Task> before)
                {
                    await before();
                    Monitor.Enter(_sync);
                    return new Exit(_sync);
                }

                public async Task<bool> BumpAsync(Func<Task> after)
                {
                    if (!Monitor.TryEnter(_sync, _timeout))
                    {
                        return false;
                    }

                    try { _count++; }
                    finally { Monitor.Exit(_sync); }

                    await after();
                    return true;
                }

                private sealed class Exit(object sync) : IDisposable
                {
                    public void Dispose() => Monitor.Exit(sync);
                }
            }
            """);
    }

    [Fact]
    public async Task SynchronousRegionInALocalFunction_WithAwaitsAround_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Metrics
            {
                private readonly object _sync = new();
                private long _total;

                public async Task RecordAsync(Func<Task<long>> measure)
                {
                    var value = await measure();
                    Add(value);
                    await Task.Yield();

                    void Add(long amount)
                    {
                        Monitor.Enter(_sync);
                        try { _total += amount; }
                        finally { Monitor.Exit(_sync); }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ProbeThatNeverWaits_WithAwaitOnlyAfterRelease_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Ticker
            {
                private readonly object _tick = new();
                private int _ticks;

                public async Task TickAsync()
                {
                    if (Monitor.TryEnter(_tick))
                    {
                        try { _ticks++; }
                        finally { Monitor.Exit(_tick); }
                    }

                    await Task.Delay(1000);
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_MonitorField_BecomesAsyncLock_WithTheMethodsToken()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionCache
            {
                private readonly object _sync = new();
                private readonly Dictionary<string, string> _sessions = new();

                public async Task RefreshAsync(string user, ISessionStore store, CancellationToken cancellationToken)
                {
                    // One refresh at a time.
                    [|Monitor.Enter(_sync)|];
                    try
                    {
                        _sessions[user] = await store.LoadAsync(user, cancellationToken);
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }
                }
            }

            public interface ISessionStore
            {
                Task<string> LoadAsync(string user, CancellationToken cancellationToken);
            }
            """,
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionCache
            {
                private readonly AsyncLock _sync = new();
                private readonly Dictionary<string, string> _sessions = new();

                public async Task RefreshAsync(string user, ISessionStore store, CancellationToken cancellationToken)
                {
                    // One refresh at a time.
                    using (await _sync.LockAsync(cancellationToken))
                    {
                        _sessions[user] = await store.LoadAsync(user, cancellationToken);
                    }
                }
            }

            public interface ISessionStore
            {
                Task<string> LoadAsync(string user, CancellationToken cancellationToken);
            }
            """);
    }

    [Fact]
    public async Task Fix_RewritesEveryUseOfTheField_InOneEdit_ForAllDiagnostics()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class PriceBook
            {
                private readonly ReaderWriterLockSlim _prices = new ReaderWriterLockSlim();
                private readonly Dictionary<string, decimal> _book = new();

                public async Task ReloadAsync(Func<Task<Dictionary<string, decimal>>> load)
                {
                    [|_prices.EnterWriteLock()|];
                    try
                    {
                        var fresh = await load();
                        _book.Clear();
                        foreach (var price in fresh)
                        {
                            _book[price.Key] = price.Value;
                        }
                    }
                    finally
                    {
                        _prices.ExitWriteLock();
                    }
                }

                public async Task SetAsync(string sku, Func<Task<decimal>> price, CancellationToken stopping)
                {
                    [|_prices.EnterWriteLock()|];
                    try { _book[sku] = await price(); }
                    finally { _prices.ExitWriteLock(); }
                }

                public async Task RemoveAsync(string sku)
                {
                    await Task.Yield();
                    _prices.EnterWriteLock();
                    try { _book.Remove(sku); }
                    finally { _prices.ExitWriteLock(); }
                }
            }
            """,
            """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class PriceBook
            {
                private readonly AsyncLock _prices = new();
                private readonly Dictionary<string, decimal> _book = new();

                public async Task ReloadAsync(Func<Task<Dictionary<string, decimal>>> load)
                {
                    using (await _prices.LockAsync())
                    {
                        var fresh = await load();
                        _book.Clear();
                        foreach (var price in fresh)
                        {
                            _book[price.Key] = price.Value;
                        }
                    }
                }

                public async Task SetAsync(string sku, Func<Task<decimal>> price, CancellationToken stopping)
                {
                    using (await _prices.LockAsync(stopping))
                    { _book[sku] = await price(); }
                }

                public async Task RemoveAsync(string sku)
                {
                    await Task.Yield();
                    using (await _prices.LockAsync())
                    { _book.Remove(sku); }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_SpellsOutTheRuntimeType_WhenNitoAsyncLockIsInScope()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class Batch
            {
                private readonly Lock _batch = new();
                private readonly AsyncLock _other = new();
                private int _pending;

                public async Task FlushAsync()
                {
                    [|_batch.Enter()|];
                    try
                    {
                        await Task.Yield();
                        _pending = 0;
                    }
                    finally
                    {
                        _batch.Exit();
                    }
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class Batch
            {
                private readonly Nuzantara.Concurrency.AsyncLock _batch = new();
                private readonly AsyncLock _other = new();
                private int _pending;

                public async Task FlushAsync()
                {
                    using (await _batch.LockAsync())
                    {
                        await Task.Yield();
                        _pending = 0;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenTheFieldIsAlsoUsedByALockStatement()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionCache
            {
                private readonly object _sync = new();
                private int _count;

                public async Task RefreshAsync()
                {
                    [|Monitor.Enter(_sync)|];
                    try
                    {
                        await Task.Yield();
                        _count++;
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }
                }

                public int Count()
                {
                    lock (_sync)
                    {
                        return _count;
                    }
                }
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(source, source);
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenAUseIsInASynchronousMethod()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionCache
            {
                private readonly object _sync = new();
                private int _count;

                public async Task RefreshAsync()
                {
                    [|Monitor.Enter(_sync)|];
                    try
                    {
                        await Task.Yield();
                        _count++;
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }
                }

                public void Reset()
                {
                    Monitor.Enter(_sync);
                    try { _count = 0; }
                    finally { Monitor.Exit(_sync); }
                }
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(source, source);
    }
}
