using Nuzantara.Analyzers.Rules;
using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Nuzantara.Analyzers.Rules.ReleaseNotGuaranteedAnalyzer,
    Nuzantara.Analyzers.Rules.ReleaseNotGuaranteedCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class ReleaseNotGuaranteedAnalyzerTests
{
    [Fact]
    public async Task SemaphoreReleasedAfterTheWork_WithoutFinally_Reports_NamingTheRelease()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileCache
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);
                private string? _profile;

                public async Task RefreshAsync(Func<Task<string>> load, CancellationToken cancellationToken)
                {
                    await {|#0:_gate.WaitAsync(_timeout, cancellationToken)|};
                    _profile = await load();
                    _gate.Release();
                }
            }
            """,
            VerifyCS.Diagnostic(ReleaseNotGuaranteedAnalyzer.Unprotected).WithLocation(0).WithArguments("SemaphoreSlim '_gate'", "_gate.Release();"));
    }

    [Fact]
    public async Task MonitorAndReaderWriterLockSlim_ReleasedOutsideFinally_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading;

            public sealed class RouteTable
            {
                private readonly object _sync = new();
                private readonly ReaderWriterLockSlim _routes = new();
                private readonly Dictionary<string, string> _table = new();

                public void Add(string path, string target)
                {
                    [|Monitor.Enter(_sync)|];
                    _table.Add(path, target);
                    Monitor.Exit(_sync);
                }

                public void Replace(IDictionary<string, string> routes)
                {
                    [|_routes.EnterWriteLock()|];
                    _table.Clear();
                    foreach (var route in routes)
                    {
                        _table[route.Key] = route.Value;
                    }

                    _routes.ExitWriteLock();
                }
            }
            """);
    }

    [Fact]
    public async Task EarlyReturnBetweenAcquireAndRelease_Reports_NamingTheReturn()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly object _sync = new();
                private readonly Queue<object> _idle = new();

                public object Rent()
                {
                    {|#0:Monitor.Enter(_sync)|};
                    if (_idle.Count > 0)
                    {
                        return _idle.Dequeue();
                    }

                    var created = new object();
                    Monitor.Exit(_sync);
                    return created;
                }
            }
            """,
            VerifyCS.Diagnostic(ReleaseNotGuaranteedAnalyzer.EarlyExit).WithLocation(0).WithArguments("Monitor '_sync'", "return _idle.Dequeue();"));
    }

    [Fact]
    public async Task WaitInsideTheTryWhoseFinallyReleases_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class OrderService
            {
                private readonly SemaphoreSlim _orders = new(1, 1);

                public async Task PlaceAsync(Func<Task> save, CancellationToken cancellationToken)
                {
                    try
                    {
                        await {|#0:_orders.WaitAsync(cancellationToken)|};
                        await save();
                    }
                    finally
                    {
                        _orders.Release();
                    }
                }

                public async Task<bool> TryPlaceAsync(Func<Task> save, TimeSpan timeout)
                {
                    try
                    {
                        if (!await [|_orders.WaitAsync(timeout)|])
                        {
                            return false;
                        }

                        await save();
                        return true;
                    }
                    finally
                    {
                        _orders.Release();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic(ReleaseNotGuaranteedAnalyzer.AcquiredInsideTry).WithLocation(0).WithArguments("SemaphoreSlim '_orders'", "await _orders.WaitAsync(cancellationToken);"));
    }

    [Fact]
    public async Task StatementBetweenAcquireAndTry_Reports_NamingTheStatement()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ReportWorker
            {
                private readonly SemaphoreSlim _running = new(1, 1);
                private readonly Action<string> _log;

                public ReportWorker(Action<string> log) => _log = log;

                public async Task RunAsync(Func<Task> render)
                {
                    await {|#0:_running.WaitAsync(TimeSpan.FromSeconds(30))|};
                    _log("rendering report");
                    try
                    {
                        await render();
                    }
                    finally
                    {
                        _running.Release();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic(ReleaseNotGuaranteedAnalyzer.StatementBeforeTry).WithLocation(0).WithArguments("SemaphoreSlim '_running'", "_log(\"rendering report\");"));
    }

    [Fact]
    public async Task MutexLockNitoSemaphoreAndContinueInALoop_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class Ingestor
            {
                private readonly Mutex _file = new();
                private readonly Lock _counter = new();
                private readonly AsyncSemaphore _throttle = new(4);
                private readonly object _sync = new();
                private int _count;

                public async Task IngestAsync(IEnumerable<string> documents)
                {
                    [|_file.WaitOne(1000)|];
                    _count++;
                    _file.ReleaseMutex();

                    [|_counter.Enter()|];
                    _count++;
                    _counter.Exit();

                    await [|_throttle.WaitAsync()|];
                    await Task.Yield();
                    _throttle.Release();

                    foreach (var document in documents)
                    {
                        [|Monitor.Enter(_sync)|];
                        if (document.Length == 0)
                        {
                            continue;
                        }

                        _count += document.Length;
                        Monitor.Exit(_sync);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UnprotectedPairingInsideALambdaOrLocalFunction_ReportsThere()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Heartbeat
            {
                private readonly SemaphoreSlim _beat = new(1, 1);
                private DateTime _last;

                public Task StartAsync(CancellationToken cancellationToken)
                {
                    _ = Task.Run(async () =>
                    {
                        await [|_beat.WaitAsync(cancellationToken)|];
                        _last = DateTime.UtcNow;
                        _beat.Release();
                    });

                    return Touch();

                    async Task Touch()
                    {
                        await [|_beat.WaitAsync(cancellationToken)|];
                        _last = DateTime.UtcNow;
                        _beat.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task AcquireThenTryFinally_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionStore
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly object _sync = new();
                private readonly ReaderWriterLockSlim _entries = new();
                private int _version;

                public async Task SaveAsync(CancellationToken cancellationToken)
                {
                    await _gate.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                    try
                    {
                        if (_version > 10)
                        {
                            return;
                        }

                        _version++;
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public int Read()
                {
                    Monitor.Enter(_sync);
                    void Trace() { }
                    try
                    {
                        Trace();
                        return _version;
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }
                }

                public void Bump()
                {
                    _entries.EnterUpgradeableReadLock();
                    try
                    {
                        _entries.EnterWriteLock();
                        try { _version++; }
                        finally { _entries.ExitWriteLock(); }
                    }
                    finally
                    {
                        _entries.ExitUpgradeableReadLock();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UsingReleasers_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class FactStore
            {
                private readonly Nito.AsyncEx.AsyncLock _nito = new();
                private readonly Nito.AsyncEx.AsyncReaderWriterLock _facts = new();
                private readonly AsyncLock _runtime = new();
                private readonly SemaphoreSlim _legacy = new(1, 1);
                private readonly Lock _counter = new();
                private int _count;

                public async Task AddAsync(CancellationToken cancellationToken)
                {
                    using (await _nito.LockAsync(cancellationToken)) { _count++; }
                    using (_facts.ReaderLock()) { _count++; }
                    using (await _legacy.AcquireAsync(System.TimeSpan.FromSeconds(1), cancellationToken)) { _count++; }
                    using var handle = await _runtime.LockAsync(cancellationToken);
                    _count++;
                }

                public void Count()
                {
                    using (_counter.EnterScope()) { _count++; }
                }
            }
            """);
    }

    [Fact]
    public async Task ReleasersReturnedToTheCaller_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class TenantLocks
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly KeyedAsyncLock<string> _tenants = new();

                public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
                {
                    await _gate.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                    return new Releaser(_gate);
                }

                public ValueTask<LockHandle> LockTenantAsync(string tenant, CancellationToken cancellationToken)
                    => _tenants.LockAsync(tenant, cancellationToken);

                private sealed class Releaser(SemaphoreSlim gate) : IDisposable
                {
                    public void Dispose() => gate.Release();
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

            public sealed class ExclusiveFile : IDisposable
            {
                private readonly Mutex _mutex = new(false, "Global\\reports");
                private readonly ReaderWriterLockSlim _batch = new();

                public ExclusiveFile()
                {
                    _mutex.WaitOne(TimeSpan.FromSeconds(10));
                }

                public void BeginBatch() => _batch.EnterWriteLock();

                public void EndBatch() => _batch.ExitWriteLock();

                public void Dispose() => _mutex.ReleaseMutex();
            }
            """);
    }

    [Fact]
    public async Task TryAcquireWhoseFalseBranchLeavesBeforeTheTry_AndWaitZeroProbes_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Scheduler
            {
                private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(1);
                private readonly SemaphoreSlim _running = new(1, 1);
                private readonly object _tick = new();
                private readonly TimeSpan _timeout;
                private int _ticks;

                public Scheduler(TimeSpan timeout) => _timeout = timeout;

                public async Task<bool> TickAsync(CancellationToken cancellationToken)
                {
                    if (!_running.Wait(0))
                    {
                        return false;
                    }

                    try { _ticks++; }
                    finally { _running.Release(); }

                    if (!await _running.WaitAsync(_timeout, cancellationToken))
                    {
                        throw new TimeoutException();
                    }
                    try { _ticks++; }
                    finally { _running.Release(); }

                    var acquired = await _running.WaitAsync(LockTimeout, cancellationToken);
                    if (!acquired) return false;
                    try { _ticks++; }
                    finally { _running.Release(); }

                    if (Monitor.TryEnter(_tick))
                    {
                        try { _ticks++; }
                        finally { Monitor.Exit(_tick); }
                    }

                    if (_running.Wait(0))
                    {
                        _running.Release();
                    }

                    return true;
                }
            }
            """);
    }

    [Fact]
    public async Task FinallyThatReleasesOnlyWhenTaken_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class MetricsBuffer
            {
                private readonly object _sync = new();
                private readonly SemaphoreSlim _flush = new(1, 1);
                private SpinLock _spin = new(false);
                private long _sum;

                public void Add(long value)
                {
                    var taken = false;
                    try
                    {
                        Monitor.Enter(_sync, ref taken);
                        _sum += value;
                    }
                    finally
                    {
                        if (taken)
                        {
                            Monitor.Exit(_sync);
                        }
                    }

                    var spinTaken = false;
                    try
                    {
                        _spin.Enter(ref spinTaken);
                        _sum -= value;
                    }
                    finally
                    {
                        if (spinTaken) _spin.Exit();
                    }
                }

                public async Task FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
                {
                    var acquired = false;
                    try
                    {
                        acquired = await _flush.WaitAsync(timeout, cancellationToken);
                        if (!acquired)
                        {
                            return;
                        }

                        _sum = 0;
                    }
                    finally
                    {
                        if (acquired)
                        {
                            _flush.Release();
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task TryFinallyInsideALocalFunctionOrLambda_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class CacheWarmer
            {
                private readonly SemaphoreSlim _warm = new(1, 1);
                private int _entries;

                public async Task WarmAsync(CancellationToken cancellationToken)
                {
                    await Task.Run(async () =>
                    {
                        await _warm.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                        try { _entries++; }
                        finally { _warm.Release(); }
                    });

                    await WarmOneAsync();

                    async Task WarmOneAsync()
                    {
                        await _warm.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                        try { _entries++; }
                        finally { _warm.Release(); }
                    }
                }

                public async Task HandOffAsync()
                {
                    // Taken here, released by the background job when it finishes.
                    await _warm.WaitAsync(TimeSpan.FromSeconds(1));
                    _ = Task.Run(() =>
                    {
                        try { _entries = 0; }
                        finally { _warm.Release(); }
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task ReleasedWhenTheWorkFails_AndHandedOnWhenItSucceeds_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ExportSlot
            {
                private readonly SemaphoreSlim _slots = new(3, 3);

                public async Task<Export> StartAsync(Func<Export> open)
                {
                    await _slots.WaitAsync(TimeSpan.FromSeconds(5));
                    try
                    {
                        return open();
                    }
                    catch
                    {
                        _slots.Release();
                        throw;
                    }
                }

                public void Finish(Export export) => _slots.Release();
            }

            public sealed class Export { }
            """);
    }

    [Fact]
    public async Task LoopsSwitchesRetriesAndIndexedLocks_WithTryFinally_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class BulkImporter
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly SemaphoreSlim _pool = new(4, 4);
                private readonly object _sync = new();
                private readonly Dictionary<string, SemaphoreSlim> _perKey = new();
                private object? _schema;
                private int _rows;

                public object Schema
                {
                    get
                    {
                        if (_schema is null)
                        {
                            Monitor.Enter(_sync);
                            try { _schema ??= new object(); }
                            finally { Monitor.Exit(_sync); }
                        }

                        return _schema;
                    }
                }

                public async Task ImportAsync(int kind, IEnumerable<int> rows, CancellationToken cancellationToken)
                {
                    switch (kind)
                    {
                        case 1:
                            await _gate.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                            try { _rows++; } finally { _gate.Release(); }
                            break;
                        default:
                            while (!await _gate.WaitAsync(100, cancellationToken))
                            {
                                Console.WriteLine("waiting for the importer");
                            }

                            try { _rows--; }
                            catch (InvalidOperationException ex) when (ex.Data.Count > 0) { _rows = 0; }
                            finally { _gate.Release(); }
                            break;
                    }

                    foreach (var row in rows)
                    {
                        await _gate.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                        try
                        {
                            if (row < 0) continue;
                            if (row == 0) break;
                            if (row > 100) return;
                            _rows += row;
                        }
                        finally
                        {
                            _gate.Release();
                        }
                    }
                }

                public async Task ParallelAsync(int permits, string table, CancellationToken cancellationToken)
                {
                    for (var i = 0; i < permits; i++)
                    {
                        await _pool.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                    }

                    try { _rows += permits; }
                    finally { _pool.Release(permits); }

                    await _perKey[table].WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                    try { _rows++; }
                    finally { _perKey[table].Release(); }
                }
            }
            """);
    }

    [Fact]
    public async Task GeneratedCode_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            // <auto-generated/>
            using System.Threading;

            public sealed class Generated
            {
                private readonly object _sync = new();

                public void Run()
                {
                    Monitor.Enter(_sync);
                    System.Console.WriteLine();
                    Monitor.Exit(_sync);
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_UnprotectedRelease_WrapsTheWorkInTryFinally()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileCache
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);
                private string? _profile;
                private int _version;

                public async Task RefreshAsync(Func<Task<string>> load, CancellationToken cancellationToken)
                {
                    await [|_gate.WaitAsync(_timeout, cancellationToken)|];
                    // Reload under the gate so readers never see a half-built profile.
                    _profile = await load();
                    _version++;
                    // Readers may go on.
                    _gate.Release();
                    Console.WriteLine(_version);
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileCache
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);
                private string? _profile;
                private int _version;

                public async Task RefreshAsync(Func<Task<string>> load, CancellationToken cancellationToken)
                {
                    await _gate.WaitAsync(_timeout, cancellationToken);
                    // Reload under the gate so readers never see a half-built profile.
                    try
                    {
                        _profile = await load();
                        _version++;
                    }
                    finally
                    {
                        // Readers may go on.
                        _gate.Release();
                    }

                    Console.WriteLine(_version);
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_WaitInsideTheTry_MovesBeforeIt()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class OrderService
            {
                private readonly SemaphoreSlim _orders = new(1, 1);

                public async Task<bool> PlaceAsync(Func<Task> save, TimeSpan timeout, CancellationToken cancellationToken)
                {
                    try
                    {
                        if (!await [|_orders.WaitAsync(timeout, cancellationToken)|])
                        {
                            return false;
                        }

                        await save();
                        return true;
                    }
                    finally
                    {
                        _orders.Release();
                    }
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class OrderService
            {
                private readonly SemaphoreSlim _orders = new(1, 1);

                public async Task<bool> PlaceAsync(Func<Task> save, TimeSpan timeout, CancellationToken cancellationToken)
                {
                    if (!await _orders.WaitAsync(timeout, cancellationToken))
                    {
                        return false;
                    }
                    try
                    {
                        await save();
                        return true;
                    }
                    finally
                    {
                        _orders.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_EarlyReturn_IsCoveredByTheNewFinally()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Collections.Generic;
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly object _sync = new();
                private readonly Queue<object> _idle = new();
                private int _created;

                public object Rent()
                {
                    [|Monitor.Enter(_sync)|];
                    if (_idle.Count > 0)
                    {
                        return _idle.Dequeue();
                    }

                    _created++;
                    Monitor.Exit(_sync);
                    return new object();
                }
            }
            """,
            """
            using System.Collections.Generic;
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly object _sync = new();
                private readonly Queue<object> _idle = new();
                private int _created;

                public object Rent()
                {
                    Monitor.Enter(_sync);
                    try
                    {
                        if (_idle.Count > 0)
                        {
                            return _idle.Dequeue();
                        }

                        _created++;
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }

                    return new object();
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_StatementBeforeTheTry_MovesIntoIt()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ReportWorker
            {
                private readonly SemaphoreSlim _running = new(1, 1);

                public async Task RunAsync(Action<string> log, Func<string, Task> render)
                {
                    await [|_running.WaitAsync(TimeSpan.FromSeconds(30))|];
                    var name = DateTime.UtcNow.ToString("yyyy-MM-dd");
                    log(name);
                    try
                    {
                        await render(name);
                    }
                    finally
                    {
                        _running.Release();
                    }
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ReportWorker
            {
                private readonly SemaphoreSlim _running = new(1, 1);

                public async Task RunAsync(Action<string> log, Func<string, Task> render)
                {
                    await _running.WaitAsync(TimeSpan.FromSeconds(30));
                    try
                    {
                        var name = DateTime.UtcNow.ToString("yyyy-MM-dd");
                        log(name);
                        await render(name);
                    }
                    finally
                    {
                        _running.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_EveryPairingInTheDocument_IncludingNestedOnes()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RouteTable
            {
                private readonly object _sync = new();
                private readonly object _stats = new();
                private readonly ReaderWriterLockSlim _routes = new();
                private readonly SemaphoreSlim _reload = new(1, 1);
                private readonly Dictionary<string, string> _table = new();
                private int _hits;

                public void Add(string path, string target)
                {
                    [|Monitor.Enter(_sync)|];
                    [|Monitor.Enter(_stats)|];
                    _hits++;
                    Monitor.Exit(_stats);
                    _table.Add(path, target);
                    Monitor.Exit(_sync);
                }

                public void Replace(IDictionary<string, string> routes)
                {
                    [|_routes.EnterWriteLock()|];
                    _table.Clear();
                    foreach (var route in routes)
                    {
                        _table[route.Key] = route.Value;
                    }
                    _routes.ExitWriteLock();
                }

                public async Task ReloadAsync(Func<Task<Dictionary<string, string>>> load)
                {
                    if (await [|_reload.WaitAsync(TimeSpan.FromSeconds(1))|])
                    {
                        Replace(await load());
                        _reload.Release();
                    }
                }
            }
            """,
            """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RouteTable
            {
                private readonly object _sync = new();
                private readonly object _stats = new();
                private readonly ReaderWriterLockSlim _routes = new();
                private readonly SemaphoreSlim _reload = new(1, 1);
                private readonly Dictionary<string, string> _table = new();
                private int _hits;

                public void Add(string path, string target)
                {
                    Monitor.Enter(_sync);
                    try
                    {
                        Monitor.Enter(_stats);
                        try
                        {
                            _hits++;
                        }
                        finally
                        {
                            Monitor.Exit(_stats);
                        }

                        _table.Add(path, target);
                    }
                    finally
                    {
                        Monitor.Exit(_sync);
                    }
                }

                public void Replace(IDictionary<string, string> routes)
                {
                    _routes.EnterWriteLock();
                    try
                    {
                        _table.Clear();
                        foreach (var route in routes)
                        {
                            _table[route.Key] = route.Value;
                        }
                    }
                    finally
                    {
                        _routes.ExitWriteLock();
                    }
                }

                public async Task ReloadAsync(Func<Task<Dictionary<string, string>>> load)
                {
                    if (await _reload.WaitAsync(TimeSpan.FromSeconds(1)))
                    {
                        try
                        {
                            Replace(await load());
                        }
                        finally
                        {
                            _reload.Release();
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenAWrappedLocalIsUsedAfterTheRelease()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly object _sync = new();
                private readonly Queue<object> _idle = new();

                public object Rent()
                {
                    [|Monitor.Enter(_sync)|];
                    var connection = _idle.Count > 0 ? _idle.Dequeue() : new object();
                    Monitor.Exit(_sync);
                    return connection;
                }
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(source, source);
    }
}
