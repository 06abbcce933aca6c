using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Nuzantara.Analyzers.Rules.IgnoredLockTimeoutAnalyzer,
    Nuzantara.Analyzers.Rules.IgnoredLockTimeoutCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class IgnoredLockTimeoutAnalyzerTests
{
    private const string Ignored = " and its Release() frees a slot it never took";

    [Fact]
    public async Task AwaitedWaitAsyncAsStatement_InAspNetCoreService_Reports_NamingTheCall()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileService
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);
                private int _version;

                public async Task UpdateProfileAsync(CancellationToken cancellationToken)
                {
                    await {|#0:_gate.WaitAsync(_timeout, cancellationToken)|};
                    try
                    {
                        _version++;
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1002").WithLocation(0).WithArguments("The result of '_gate.WaitAsync(_timeout, cancellationToken)' is ignored", Ignored));
    }

    [Fact]
    public async Task SynchronousTimedWaitsAsStatements_InConnectionPool_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly SemaphoreSlim _slots = new(10, 10);
                private readonly object _idleSync = new();
                private readonly ReaderWriterLockSlim _settings = new();
                private readonly Mutex _journal = new();
                private readonly Queue<object> _idle = new();
                private readonly int _timeoutMs = 250;

                public object Rent(TimeSpan timeout)
                {
                    [|_slots.Wait(_timeoutMs)|];
                    [|Monitor.TryEnter(_idleSync, 100)|];
                    try { return _idle.Count > 0 ? _idle.Dequeue() : new object(); }
                    finally { Monitor.Exit(_idleSync); }
                }

                public void Reconfigure(TimeSpan timeout)
                {
                    [|_settings.TryEnterWriteLock(timeout)|];
                    try { } finally { _settings.ExitWriteLock(); }
                    [|_journal.WaitOne(timeout)|];
                    _journal.ReleaseMutex();
                }
            }
            """);
    }

    [Fact]
    public async Task ResultStoredInALocalThatIsNeverRead_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class CacheRefresher
            {
                private static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(1);
                private readonly SemaphoreSlim _refresh = new(1, 1);
                private string _snapshot = "";

                public async Task RefreshAsync(Func<Task<string>> load, CancellationToken cancellationToken)
                {
                    var acquired = await {|#0:_refresh.WaitAsync(RefreshTimeout, cancellationToken)|}.ConfigureAwait(false);
                    try
                    {
                        _snapshot = await load();
                    }
                    finally
                    {
                        _refresh.Release();
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1002").WithLocation(0)
                .WithArguments("The result of '_refresh.WaitAsync(RefreshTimeout, cancellationToken)' is stored in 'acquired' but never read", Ignored));
    }

    [Fact]
    public async Task TimeoutBranchThatOnlyLogs_FallsThroughIntoTheCriticalSection_AndReports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public interface ILog { void Warn(string message); }

            public sealed class OrderWorker
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ILog _log;
                private int _processed;

                public OrderWorker(ILog log) => _log = log;

                public async Task ProcessAsync(TimeSpan timeout)
                {
                    if (!await {|#0:_gate.WaitAsync(timeout)|})
                    {
                        _log.Warn("gate busy, processing anyway");
                    }

                    try { _processed++; }
                    finally { _gate.Release(); }
                }

                public void Process(TimeSpan timeout)
                {
                    var entered = [|_gate.Wait(timeout)|];
                    if (!entered) _log.Warn("gate busy");
                    try { _processed++; }
                    finally { _gate.Release(); }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1002").WithLocation(0)
                .WithArguments("The result of '_gate.WaitAsync(timeout)' is checked, but the timeout branch falls through into the critical section", Ignored));
    }

    [Fact]
    public async Task RuntimeHandleNeverChecked_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public interface ILog { void Warn(string message); }

            public sealed class MemorySaver
            {
                private readonly KeyedAsyncLock<string> _saves = new();
                private readonly AsyncReaderWriterLock _facts = new();
                private readonly SemaphoreSlim _legacy = new(1, 1);
                private readonly ILog _log;

                public MemorySaver(ILog log) => _log = log;

                public async Task SaveAsync(string userId, TimeSpan timeout, CancellationToken cancellationToken)
                {
                    using var handle = await {|#0:_saves.TryLockAsync(userId, timeout, cancellationToken)|};
                    using (await [|_facts.TryWriteLockAsync(timeout)|]) { }
                    using (var slot = await [|_legacy.TryAcquireAsync(timeout, cancellationToken)|]) { }
                    var reader = await [|_facts.TryReadLockAsync(timeout)|];
                    if (!reader.IsAcquired) { _log.Warn("reading without the lock"); }
                    reader.Dispose();
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1002").WithLocation(0)
                .WithArguments("The handle from '_saves.TryLockAsync(userId, timeout, cancellationToken)' is never checked for IsAcquired", ""));
    }

    [Fact]
    public async Task DroppedProbesAndDiscards_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Scheduler
            {
                private readonly SemaphoreSlim _running = new(1, 1);
                private readonly object _tick = new();
                private readonly Lock _stats = new();

                public async Task TickAsync(TimeSpan timeout)
                {
                    [|_running.Wait(0)|];
                    [|Monitor.TryEnter(_tick)|];
                    [|_stats.TryEnter()|];
                    _ = await [|_running.WaitAsync(timeout)|];
                    _running.Release();
                }
            }
            """);
    }

    [Fact]
    public async Task DroppedResult_InBackgroundWorkerLoopAndLambda_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class OutboxPublisher
            {
                private readonly SemaphoreSlim _flush = new(1, 1);
                private readonly TimeSpan _interval = TimeSpan.FromSeconds(5);

                public async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await [|_flush.WaitAsync(_interval, stoppingToken)|];
                        try { await Task.Delay(10, stoppingToken); }
                        finally { _flush.Release(); }
                    }
                }

                public Task FlushLaterAsync() => Task.Run(async () =>
                {
                    await [|_flush.WaitAsync(_interval)|];
                    _flush.Release();
                });
            }
            """);
    }

    [Fact]
    public async Task ResultCheckedAndTheFalsePathLeaves_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionStore
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly KeyedAsyncLock<string> _sessions = new();
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(1);

                public async Task SaveAsync(string sessionId, CancellationToken cancellationToken)
                {
                    if (!await _gate.WaitAsync(_timeout, cancellationToken)) return;
                    try { } finally { _gate.Release(); }

                    var ok = _gate.Wait(_timeout);
                    if (!ok) throw new LockTimeoutException("_gate", LockMode.Exclusive, _timeout);
                    _gate.Release();

                    using var handle = await _sessions.TryLockAsync(sessionId, _timeout, cancellationToken);
                    if (!handle.IsAcquired)
                    {
                        throw new LockTimeoutException("_sessions", LockMode.Exclusive, _timeout);
                    }
                }

                public async Task DrainAsync(IEnumerable<string> sessions)
                {
                    foreach (var session in sessions)
                    {
                        if (!await _gate.WaitAsync(_timeout))
                        {
                            continue;
                        }

                        _gate.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task AcquisitionAsConditionOfTheCriticalSection_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public interface ILog { void Warn(string message); }

            public sealed class PriceCache
            {
                private readonly SemaphoreSlim _refresh = new(1, 1);
                private readonly object _sync = new();
                private readonly ILog _log;
                private decimal _price;

                public PriceCache(ILog log) => _log = log;

                public async Task RefreshAsync(TimeSpan timeout)
                {
                    if (await _refresh.WaitAsync(timeout))
                    {
                        try { _price++; }
                        finally { _refresh.Release(); }
                    }

                    if (!Monitor.TryEnter(_sync, timeout))
                    {
                        _log.Warn("skipped");
                    }
                    else
                    {
                        try { _price--; } finally { Monitor.Exit(_sync); }
                    }

                    while (!await _refresh.WaitAsync(timeout))
                    {
                        _log.Warn("still waiting");
                    }

                    _refresh.Release();

                    var fresh = true;
                    if (!_refresh.Wait(timeout))
                    {
                        _log.Warn("serving the cached price");
                        fresh = false;
                    }

                    if (fresh)
                    {
                        try { _price++; } finally { _refresh.Release(); }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ResultHandedOn_ReturnedPassedStoredOrCombined_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class LeaseManager : IDisposable
            {
                private readonly SemaphoreSlim _lease = new(1, 1);
                private readonly AsyncLock _renewal = new();
                private bool _held;

                public bool TryEnter(TimeSpan timeout) => _lease.Wait(timeout);

                public Task<bool> TryEnterAsync(TimeSpan timeout, CancellationToken cancellationToken) => _lease.WaitAsync(timeout, cancellationToken);

                public ValueTask<LockHandle> TryRenewAsync(TimeSpan timeout) => _renewal.TryLockAsync(timeout);

                public async Task<LockHandle> RenewAsync(TimeSpan timeout) => await _renewal.TryLockAsync(timeout);

                public bool TryEnter(TimeSpan timeout, out bool acquired)
                {
                    acquired = _lease.Wait(timeout);
                    return acquired;
                }

                // Taken here, released in Dispose: the field carries the result.
                public async Task StartAsync(TimeSpan timeout) => _held = await _lease.WaitAsync(timeout);

                public async Task<string> DescribeAsync(TimeSpan timeout, bool verbose)
                {
                    Record(await _lease.WaitAsync(timeout));
                    var both = verbose && _lease.Wait(timeout);
                    return _lease.Wait(0) ? "free" : both ? "busy" : "unknown";
                }

                public void Dispose()
                {
                    if (_held) { _lease.Release(); }
                }

                private static void Record(bool acquired) { }
            }
            """);
    }

    [Fact]
    public async Task AcquisitionsWithoutAResultToCheck_AreLeftToNZ1001_AndDoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class InventoryService
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly Mutex _file = new();
                private readonly AsyncLock _stock = new();

                public async Task ReserveAsync(CancellationToken cancellationToken)
                {
                    await _gate.WaitAsync();
                    _gate.Release();
                    await _gate.WaitAsync(cancellationToken);
                    _gate.Release();
                    _gate.Wait();
                    _gate.Release();
                    _gate.Wait(Timeout.Infinite);
                    _gate.Release();
                    _file.WaitOne();
                    _file.ReleaseMutex();
                    using (await _stock.LockAsync(cancellationToken)) { }
                }
            }
            """);
    }

    [Fact]
    public async Task CheckedResults_InLocalFunctionsAndLambdas_WithBestEffortRelease_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public interface ILog { void Warn(string message); }

            public sealed class MetricsFlusher
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ILog _log;

                public MetricsFlusher(ILog log) => _log = log;

                public Task FlushAsync(TimeSpan timeout)
                {
                    return Task.Run(async () =>
                    {
                        if (!await _gate.WaitAsync(timeout)) { return; }
                        try { await Task.Yield(); } finally { _gate.Release(); }
                    });
                }

                public void Flush(TimeSpan timeout)
                {
                    Run();

                    void Run()
                    {
                        // Best effort: runs either way, releases only what it took.
                        var acquired = _gate.Wait(timeout);
                        if (!acquired) { _log.Warn("flushing without the gate"); }
                        try { } finally { if (acquired) { _gate.Release(); } }
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
            using System;
            using System.Threading;

            public sealed class Generated
            {
                private readonly SemaphoreSlim _gate = new(1, 1);

                public void Run(TimeSpan timeout) => _gate.Wait(timeout);
            }
            """);
    }

    [Fact]
    public async Task Fix_DroppedResult_ThrowsLockTimeoutException_ReusingTheTimeoutField()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileService
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);

                public async Task UpdateProfileAsync(CancellationToken cancellationToken)
                {
                    // One update at a time.
                    await [|_gate.WaitAsync(_timeout, cancellationToken)|].ConfigureAwait(false);
                    try
                    {
                        await Task.Yield();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class ProfileService
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);

                public async Task UpdateProfileAsync(CancellationToken cancellationToken)
                {
                    // One update at a time.
                    if (!await _gate.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false))
                    {
                        throw new LockTimeoutException("_gate", LockMode.Exclusive, _timeout);
                    }
                    try
                    {
                        await Task.Yield();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_EveryDroppedResultInTheDocument_ConvertsMillisecondsAndModes()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly SemaphoreSlim _slots = new(10, 10);
                private readonly object _idle = new();
                private readonly ReaderWriterLockSlim _settings = new();
                private readonly int _timeoutMs = 250;

                public void Rent()
                {
                    [|_slots.Wait(_timeoutMs)|];
                    [|Monitor.TryEnter(_idle, 500)|];
                    Monitor.Exit(_idle);
                    [|_settings.TryEnterReadLock(2000)|];
                    _settings.ExitReadLock();
                    _ = [|_slots.Wait(0)|];
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using Nuzantara.Concurrency;

            public sealed class ConnectionPool
            {
                private readonly SemaphoreSlim _slots = new(10, 10);
                private readonly object _idle = new();
                private readonly ReaderWriterLockSlim _settings = new();
                private readonly int _timeoutMs = 250;

                public void Rent()
                {
                    if (!_slots.Wait(_timeoutMs))
                    {
                        throw new LockTimeoutException("_slots", LockMode.Exclusive, TimeSpan.FromMilliseconds(_timeoutMs));
                    }
                    if (!Monitor.TryEnter(_idle, 500))
                    {
                        throw new LockTimeoutException("_idle", LockMode.Exclusive, TimeSpan.FromMilliseconds(500));
                    }
                    Monitor.Exit(_idle);
                    if (!_settings.TryEnterReadLock(2000))
                    {
                        throw new LockTimeoutException("_settings", LockMode.Read, TimeSpan.FromSeconds(2));
                    }
                    _settings.ExitReadLock();
                    if (!_slots.Wait(0))
                    {
                        throw new LockTimeoutException("_slots", LockMode.Exclusive, TimeSpan.Zero);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_FallThroughBranch_GetsTheThrowAtItsEnd()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public interface ILog { void Warn(string message); }

            public sealed class OrderWorker
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ILog _log;

                public OrderWorker(ILog log) => _log = log;

                public async Task ProcessAsync(TimeSpan timeout)
                {
                    if (!await [|_gate.WaitAsync(timeout)|])
                    {
                        _log.Warn("gate busy");
                    }

                    try { await Task.Yield(); }
                    finally { _gate.Release(); }
                }

                public void Process(TimeSpan timeout)
                {
                    var entered = [|_gate.Wait(timeout)|];
                    if (!entered) _log.Warn("gate busy");
                    _gate.Release();
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public interface ILog { void Warn(string message); }

            public sealed class OrderWorker
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ILog _log;

                public OrderWorker(ILog log) => _log = log;

                public async Task ProcessAsync(TimeSpan timeout)
                {
                    if (!await _gate.WaitAsync(timeout))
                    {
                        _log.Warn("gate busy");
                        throw new LockTimeoutException("_gate", LockMode.Exclusive, timeout);
                    }

                    try { await Task.Yield(); }
                    finally { _gate.Release(); }
                }

                public void Process(TimeSpan timeout)
                {
                    var entered = _gate.Wait(timeout);
                    if (!entered)
                    {
                        _log.Warn("gate busy");
                        throw new LockTimeoutException("_gate", LockMode.Exclusive, timeout);
                    }
                    _gate.Release();
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_UnreadLocal_IsCheckedRightAfterTheWait()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class CacheRefresher
            {
                private static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(1);
                private readonly SemaphoreSlim _refresh = new(1, 1);

                public async Task RefreshAsync(CancellationToken cancellationToken)
                {
                    var acquired = await [|_refresh.WaitAsync(RefreshTimeout, cancellationToken)|];
                    try { await Task.Yield(); }
                    finally { _refresh.Release(); }
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class CacheRefresher
            {
                private static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(1);
                private readonly SemaphoreSlim _refresh = new(1, 1);

                public async Task RefreshAsync(CancellationToken cancellationToken)
                {
                    var acquired = await _refresh.WaitAsync(RefreshTimeout, cancellationToken);
                    if (!acquired)
                    {
                        throw new LockTimeoutException("_refresh", LockMode.Exclusive, RefreshTimeout);
                    }

                    try { await Task.Yield(); }
                    finally { _refresh.Release(); }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_RuntimeHandleOnlyDisposed_UsesTheThrowingOverload()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MemorySaver
            {
                private readonly KeyedAsyncLock<string> _saves = new();
                private readonly AsyncReaderWriterLock _facts = new();
                private readonly SemaphoreSlim _legacy = new(1, 1);

                public async Task SaveAsync(string userId, TimeSpan timeout, CancellationToken cancellationToken)
                {
                    using var handle = await [|_saves.TryLockAsync(userId, timeout, cancellationToken)|];
                    using (await [|_facts.TryWriteLockAsync(timeout)|]) { }
                    using (await [|_legacy.TryAcquireAsync(timeout, cancellationToken)|]) { }
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MemorySaver
            {
                private readonly KeyedAsyncLock<string> _saves = new();
                private readonly AsyncReaderWriterLock _facts = new();
                private readonly SemaphoreSlim _legacy = new(1, 1);

                public async Task SaveAsync(string userId, TimeSpan timeout, CancellationToken cancellationToken)
                {
                    using var handle = await _saves.LockAsync(userId, timeout, cancellationToken);
                    using (await _facts.WriteLockAsync(timeout)) { }
                    using (await _legacy.AcquireAsync(timeout, cancellationToken)) { }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_IsNotOffered_WhenTheTimeoutCannotBeRepeatedSafely()
    {
        const string Source = """
            using System;
            using System.Threading;

            public sealed class Throttle
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private int _attempt;

                public void Enter()
                {
                    [|_gate.Wait(NextTimeout())|];
                    _gate.Release();
                }

                private TimeSpan NextTimeout() => TimeSpan.FromMilliseconds(100 * ++_attempt);
            }
            """;

        await VerifyCS.VerifyCodeFixAsync(Source, Source);
    }
}
