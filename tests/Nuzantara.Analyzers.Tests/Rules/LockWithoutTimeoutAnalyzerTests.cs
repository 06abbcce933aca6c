using Nuzantara.Analyzers.Rules;
using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Nuzantara.Analyzers.Rules.LockWithoutTimeoutAnalyzer,
    Nuzantara.Analyzers.Rules.LockWithoutTimeoutCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class LockWithoutTimeoutAnalyzerTests
{
    [Fact]
    public async Task WaitAsyncWithoutTimeout_InAsyncServiceMethod_Reports()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileCache
            {
                private readonly SemaphoreSlim _refresh = new(1, 1);

                public async Task RefreshAsync()
                {
                    await [|_refresh.WaitAsync()|];
                    try { await Task.Yield(); }
                    finally { _refresh.Release(); }
                }
            }
            """);
    }

    [Fact]
    public async Task WaitWithoutTimeout_InConnectionPool_Reports_NamingTheLock()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Collections.Generic;
            using System.Threading;

            public sealed class ConnectionPool
            {
                private readonly SemaphoreSlim _slots = new(10, 10);
                private readonly Queue<object> _idle = new();

                public object Rent()
                {
                    {|#0:_slots.Wait()|};
                    lock (_idle) { return _idle.Count > 0 ? _idle.Dequeue() : new object(); }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1001").WithLocation(0).WithArguments("SemaphoreSlim '_slots'"));
    }

    [Fact]
    public async Task ExplicitInfiniteTimeouts_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Worker
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly Mutex _mutex = new();

                public async Task RunAsync(CancellationToken cancellationToken)
                {
                    if (await [|_gate.WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken)|]) { _gate.Release(); }
                    if ([|_gate.Wait(-1)|]) { _gate.Release(); }
                    if ([|_mutex.WaitOne(Timeout.Infinite)|]) { _mutex.ReleaseMutex(); }
                    if (await [|_gate.WaitAsync(TimeSpan.FromMilliseconds(-1))|]) { _gate.Release(); }
                }
            }
            """);
    }

    [Fact]
    public async Task MonitorMutexAndReaderWriterLockSlim_WithoutTimeout_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;

            public sealed class LegacyRegistry
            {
                private readonly object _sync = new();
                private readonly Mutex _file = new();
                private readonly ReaderWriterLockSlim _entries = new();
                private readonly Lock _counter = new();

                public void Update()
                {
                    [|Monitor.Enter(_sync)|];
                    try { } finally { Monitor.Exit(_sync); }

                    [|_file.WaitOne()|];
                    _file.ReleaseMutex();

                    [|_entries.EnterWriteLock()|];
                    try { } finally { _entries.ExitWriteLock(); }

                    [|_entries.EnterUpgradeableReadLock()|];
                    _entries.ExitUpgradeableReadLock();

                    [|_counter.Enter()|];
                    _counter.Exit();
                }
            }
            """);
    }

    [Fact]
    public async Task NitoAsyncExLocks_HaveNoTimeout_AndReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class InventoryService
            {
                private readonly AsyncLock _mutex = new();
                private readonly AsyncReaderWriterLock _stock = new();
                private readonly AsyncSemaphore _throttle = new(4);
                private readonly AsyncMonitor _monitor = new();

                public async Task ReserveAsync(CancellationToken cancellationToken)
                {
                    using (await [|_mutex.LockAsync()|]) { }
                    using (await [|_stock.WriterLockAsync(cancellationToken)|]) { }
                    using (await [|_stock.ReaderLockAsync()|]) { }
                    await [|_throttle.WaitAsync()|];
                    _throttle.Release();
                    using (await [|_monitor.EnterAsync()|]) { }
                }
            }
            """);
    }

    [Fact]
    public async Task RuntimeLocksWithExplicitInfiniteTimeout_Report()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MemorySaver
            {
                private readonly KeyedAsyncLock<string> _saves = new();
                private readonly AsyncReaderWriterLock _facts = new();
                private readonly SemaphoreSlim _legacy = new(1, 1);

                public async Task SaveAsync(string userId, CancellationToken cancellationToken)
                {
                    using (await [|_saves.LockAsync(userId, Timeout.InfiniteTimeSpan, cancellationToken)|]) { }
                    using (await [|_facts.WriteLockAsync(Timeout.InfiniteTimeSpan)|]) { }
                    using (await [|_legacy.AcquireAsync(Timeout.InfiniteTimeSpan)|]) { }
                }
            }
            """);
    }

    [Fact]
    public async Task RuntimeLockWithInfiniteTimeout_IsNamedByItsType()
    {
        await VerifyCS.VerifyAnalyzerAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionStore
            {
                private readonly KeyedAsyncLock<string> _sessions = new();

                public async Task SaveAsync(string sessionId)
                {
                    using (await {|#0:_sessions.LockAsync(sessionId, Timeout.InfiniteTimeSpan)|}) { }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ1001").WithLocation(0).WithArguments("KeyedAsyncLock '_sessions'"));
    }

    [Fact]
    public async Task TokenOnlyCall_Reports_ByDefault()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Outbox
            {
                private readonly SemaphoreSlim _flush = new(1, 1);

                public async Task FlushAsync(CancellationToken cancellationToken)
                {
                    await [|_flush.WaitAsync(cancellationToken)|];
                    _flush.Release();
                }
            }
            """);
    }

    [Fact]
    public async Task CallsThatPassATimeout_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionStore
            {
                private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(2);
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly int _timeoutMs = 500;

                public async Task<bool> SaveAsync(TimeSpan timeout, CancellationToken cancellationToken)
                {
                    if (!await _gate.WaitAsync(timeout, cancellationToken)) { return false; }
                    _gate.Release();
                    if (!await _gate.WaitAsync(LockTimeout)) { return false; }
                    _gate.Release();
                    if (!_gate.Wait(_timeoutMs)) { return false; }
                    _gate.Release();
                    var local = TimeSpan.FromMilliseconds(250);
                    if (!await _gate.WaitAsync(local, cancellationToken)) { return false; }
                    _gate.Release();
                    return true;
                }
            }
            """);
    }

    [Fact]
    public async Task ZeroTimeoutProbes_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Scheduler
            {
                private readonly SemaphoreSlim _running = new(1, 1);
                private readonly object _tick = new();

                public async Task TickAsync()
                {
                    if (!_running.Wait(0)) { return; }
                    _running.Release();
                    if (!await _running.WaitAsync(TimeSpan.Zero)) { return; }
                    _running.Release();
                    if (Monitor.TryEnter(_tick)) { Monitor.Exit(_tick); }
                }
            }
            """);
    }

    [Fact]
    public async Task RuntimeLocks_TimeOutByDefault_AndDoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class CollectionIngestor
            {
                private readonly KeyedAsyncReaderWriterLock<string> _collections = new();
                private readonly AsyncLock _gate = new();

                public async Task IngestAsync(string collection, CancellationToken cancellationToken)
                {
                    using (await _collections.WriteLockAsync(collection, cancellationToken)) { }
                    using (await _collections.ReadLockAsync(collection, TimeSpan.FromSeconds(1), cancellationToken)) { }
                    using (await _gate.LockAsync()) { }
                    using var attempt = await _gate.TryLockAsync(TimeSpan.Zero);
                }
            }
            """);
    }

    [Fact]
    public async Task ReleasesAndUnrelatedWaits_DoNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Downloader
            {
                private readonly SemaphoreSlim _gate = new(0, 1);
                private readonly ManualResetEvent _ready = new(false);

                public void Signal()
                {
                    _gate.Release();
                    _ready.WaitOne();
                    Task.Delay(10).Wait();
                }
            }
            """);
    }

    [Fact]
    public async Task TokenOnlyCall_DoesNotReport_WhenTheOptionAllowsIt()
    {
        await Verifiers.CSharpAnalyzerVerifier<LockWithoutTimeoutAnalyzer>.VerifyAnalyzerAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Outbox
            {
                private readonly SemaphoreSlim _flush = new(1, 1);

                public async Task FlushAsync(CancellationToken cancellationToken)
                {
                    await _flush.WaitAsync(cancellationToken);
                    _flush.Release();
                    await [|_flush.WaitAsync()|];
                    _flush.Release();
                }
            }
            """,
            ["NZ1001.allow_cancellation_token = true"]);
    }

    [Fact]
    public async Task GeneratedCode_DoesNotReport()
    {
        await VerifyCS.VerifyAnalyzerAsync("""
            // <auto-generated/>
            using System.Threading;

            public sealed class Generated
            {
                private readonly SemaphoreSlim _gate = new(1, 1);

                public void Run() => _gate.Wait();
            }
            """);
    }

    [Fact]
    public async Task Fix_AwaitedWaitBeforeTryFinally_BecomesUsingWithForwardedToken()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ProfileCache
            {
                private readonly SemaphoreSlim _refresh = new(1, 1);
                private int _version;

                public async Task RefreshAsync(CancellationToken cancellationToken)
                {
                    // Only one refresh at a time.
                    await [|_refresh.WaitAsync()|];
                    try
                    {
                        await Task.Yield();
                        _version++;
                    }
                    finally
                    {
                        _refresh.Release();
                    }
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class ProfileCache
            {
                private readonly SemaphoreSlim _refresh = new(1, 1);
                private int _version;

                public async Task RefreshAsync(CancellationToken cancellationToken)
                {
                    // Only one refresh at a time.
                    using (await _refresh.AcquireAsync(TimeSpan.FromSeconds(5), cancellationToken))
                    {
                        await Task.Yield();
                        _version++;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_UsesTheConfiguredTimeout_AndTheCallsOwnToken()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class Outbox
            {
                private readonly SemaphoreSlim _flush = new(1, 1);

                public async Task FlushAsync(CancellationToken stopping)
                {
                    await [|_flush.WaitAsync(stopping)|];
                    try { await Task.Yield(); }
                    finally { _flush.Release(); }
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class Outbox
            {
                private readonly SemaphoreSlim _flush = new(1, 1);

                public async Task FlushAsync(CancellationToken stopping)
                {
                    using (await _flush.AcquireAsync(TimeSpan.FromMilliseconds(1500), stopping))
                    { await Task.Yield(); }
                }
            }
            """,
            "NZ1001.default_timeout = 1500ms");
    }

    [Fact]
    public async Task Fix_StatementsWithoutTryFinally_WaitAtMostTheTimeout_AndThrow()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class LegacyRegistry
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly object _sync = new();
                private readonly ReaderWriterLockSlim _entries = new();

                public async Task UpdateAsync()
                {
                    await [|_gate.WaitAsync()|].ConfigureAwait(false);
                    _gate.Release();
                    [|Monitor.Enter(_sync)|];
                    Monitor.Exit(_sync);
                    [|_entries.EnterReadLock()|];
                    _entries.ExitReadLock();
                    [|_gate.Wait()|];
                    _gate.Release();
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class LegacyRegistry
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly object _sync = new();
                private readonly ReaderWriterLockSlim _entries = new();

                public async Task UpdateAsync()
                {
                    if (!await _gate.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false))
                    {
                        throw new LockTimeoutException("_gate", LockMode.Exclusive, TimeSpan.FromSeconds(5));
                    }
                    _gate.Release();
                    if (!Monitor.TryEnter(_sync, TimeSpan.FromSeconds(5)))
                    {
                        throw new LockTimeoutException("_sync", LockMode.Exclusive, TimeSpan.FromSeconds(5));
                    }
                    Monitor.Exit(_sync);
                    if (!_entries.TryEnterReadLock(TimeSpan.FromSeconds(5)))
                    {
                        throw new LockTimeoutException("_entries", LockMode.Read, TimeSpan.FromSeconds(5));
                    }
                    _entries.ExitReadLock();
                    if (!_gate.Wait(TimeSpan.FromSeconds(5)))
                    {
                        throw new LockTimeoutException("_gate", LockMode.Exclusive, TimeSpan.FromSeconds(5));
                    }
                    _gate.Release();
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_RuntimeInfiniteTimeout_BecomesTheDefaultTimeout_InEveryCallOfTheDocument()
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

                public async Task SaveAsync(string userId, CancellationToken cancellationToken)
                {
                    using (await [|_saves.LockAsync(userId, Timeout.InfiniteTimeSpan, cancellationToken)|]) { }
                    using (await [|_saves.LockAsync(userId + ":archive", Timeout.InfiniteTimeSpan)|]) { }
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

                public async Task SaveAsync(string userId, CancellationToken cancellationToken)
                {
                    using (await _saves.LockAsync(userId, TimeSpan.FromSeconds(5), cancellationToken)) { }
                    using (await _saves.LockAsync(userId + ":archive", TimeSpan.FromSeconds(5))) { }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_InAFileThatUsesNitosAsyncLock_QualifiesInsteadOfMakingItAmbiguous()
    {
        await VerifyCS.VerifyCodeFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;

            public sealed class Inventory
            {
                private readonly AsyncLock _stock = new();
                private readonly SemaphoreSlim _gate = new(1, 1);

                public async Task ReserveAsync(CancellationToken cancellationToken)
                {
                    using (await _stock.LockAsync(cancellationToken)) { }
                    await [|_gate.WaitAsync()|];
                    try { await Task.Yield(); }
                    finally { _gate.Release(); }
                    [|_gate.Wait()|];
                    _gate.Release();
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Nito.AsyncEx;
            using static Nuzantara.Concurrency.SemaphoreSlimExtensions;

            public sealed class Inventory
            {
                private readonly AsyncLock _stock = new();
                private readonly SemaphoreSlim _gate = new(1, 1);

                public async Task ReserveAsync(CancellationToken cancellationToken)
                {
                    using (await _stock.LockAsync(cancellationToken)) { }
                    using (await _gate.AcquireAsync(TimeSpan.FromSeconds(5), cancellationToken))
                    { await Task.Yield(); }
                    if (!_gate.Wait(TimeSpan.FromSeconds(5), cancellationToken))
                    {
                        throw new Nuzantara.Concurrency.LockTimeoutException("_gate", Nuzantara.Concurrency.LockMode.Exclusive, TimeSpan.FromSeconds(5));
                    }
                    _gate.Release();
                }
            }
            """,
            "NZ1001.allow_cancellation_token = true");
    }
}
