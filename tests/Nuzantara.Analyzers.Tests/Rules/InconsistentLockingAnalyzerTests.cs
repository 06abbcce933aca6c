using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateVerifier<Nuzantara.Analyzers.Rules.InconsistentLockingAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class InconsistentLockingAnalyzerTests
{
    [Fact]
    public async Task GuardedByMember_ReadWithoutTheLock_Reports()
    {
        const string source = """
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly object _gate = new();
                [GuardedBy(nameof(_gate))] private int _pending;

                public void Add() { lock (_gate) { _pending++; } }

                public int Pending => {|#0:_pending|};
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_pending", "read", "'Pending'", "_gate", "'_pending' is declared [GuardedBy(nameof(_gate))]"));
    }

    [Fact]
    public async Task GuardedByMember_WrittenUnderTheReadLock_Reports()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class FactIndex
            {
                private readonly AsyncReaderWriterLock _lock = new();
                [GuardedBy(nameof(_lock))] private int _version;

                public async Task TouchAsync(CancellationToken ct)
                {
                    using (await _lock.ReadLockAsync(ct)) { {|#0:_version|} = 2; }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("_version", "written under a read lock", "'TouchAsync'", "_lock", "'_version' is declared [GuardedBy(nameof(_lock))]"));
    }

    [Fact]
    public async Task GuardedByMember_InLambdaInsideTheLock_Reports_BecauseTheLambdaRunsLater()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly object _gate = new();
                [GuardedBy(nameof(_gate))] private int _pending;

                public Task FlushLaterAsync()
                {
                    lock (_gate)
                    {
                        return Task.Run(() => [|_pending|] = 0);
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task RequiresLockMethod_CalledWithoutTheLock_Reports()
    {
        const string source = """
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly object _gate = new();
                private int _pending;

                public void Flush() => {|#0:Drain()|};

                [RequiresLock(nameof(_gate))]
                private void Drain() => _pending = 0;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0).WithArguments("Drain", "called", "'Flush'", "_gate", "'Drain' is declared [RequiresLock(nameof(_gate))]"));
    }

    [Fact]
    public async Task RequiresLockMethod_CalledUnderAnotherLock_Reports()
    {
        const string source = """
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly object _gate = new();
                private readonly object _io = new();
                private int _pending;

                public void Flush() { lock (_io) { [|Drain()|]; } }

                [RequiresLock(nameof(_gate))]
                private void Drain() => _pending = 0;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task ReadSemaphoreThatNeverExcludesTheWriter_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class MemoryOrchestrator
            {
                private readonly SemaphoreSlim _readGate = new(10, 10);
                private readonly SemaphoreSlim _writeGate = new(1, 1);
                private List<string> _facts = new();

                public async Task<string[]> GetUserContextAsync(CancellationToken ct)
                {
                    await _readGate.WaitAsync(ct);
                    try { return {|#0:_facts|}.ToArray(); }
                    finally { _readGate.Release(); }
                }

                public async Task ProcessConversationAsync(IEnumerable<string> facts, CancellationToken ct)
                {
                    await _writeGate.WaitAsync(ct);
                    try { {|#1:_facts|} = facts.ToList(); }
                    finally { _writeGate.Release(); }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1).WithArguments("_facts", "read", "'GetUserContextAsync'", "_writeGate", "'_facts' is written under '_writeGate' in 'ProcessConversationAsync', and '_readGate' held here does not exclude that writer"));
    }

    [Fact]
    public async Task GuardedByMember_InHostedServiceLoop_Reports()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;
            using Nuzantara.Concurrency;

            public sealed class Flusher : BackgroundService
            {
                private readonly AsyncLock _gate = new();
                [GuardedBy(nameof(_gate))] private int _buffered;

                public async Task AddAsync(CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct)) { _buffered++; }
                }

                protected override Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    [|_buffered|] = 0;
                    return Task.CompletedTask;
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task GuardedByCollection_ModifiedWithoutTheLock_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using Nuzantara.Concurrency;

            public sealed class Subscriptions
            {
                private readonly object _gate = new();
                [GuardedBy(nameof(_gate))] private readonly List<string> _topics = new();

                public void Add(string topic) => [|_topics|].Add(topic);
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task UserDeclaredAttribute_MatchedByFullName_Reports()
    {
        const string source = """
            namespace Nuzantara.Concurrency
            {
                [System.AttributeUsage(System.AttributeTargets.Field)]
                public sealed class GuardedByAttribute(string member) : System.Attribute { public string Member { get; } = member; }
            }

            namespace Billing
            {
                using Nuzantara.Concurrency;

                public sealed class Invoices
                {
                    private readonly object _sync = new();
                    [GuardedBy(nameof(_sync))] private decimal _open;

                    public void Settle(decimal amount) => [|_open|] -= amount;
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task WrittenUnderSemaphore_ReadUnderLockStatement_Reports()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RouteTable
            {
                private readonly SemaphoreSlim _reload = new(1, 1);
                private readonly object _sync = new();
                private string _routes = "";

                public async Task ReloadAsync(string routes, CancellationToken ct)
                {
                    await _reload.WaitAsync(ct);
                    try { {|#1:_routes|} = routes; }
                    finally { _reload.Release(); }
                }

                public string Lookup() { lock (_sync) { return {|#0:_routes|}; } }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task GuardedByMember_AccessedUnderTheLock_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly AsyncLock _gate = new();
                private readonly object _sync = new();
                [GuardedBy(nameof(_gate))] private int _pending;
                [GuardedBy(nameof(_sync))] private int _sent;

                public async Task AddAsync(CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct)) { _pending++; }
                }

                public void Sent() { lock (_sync) { _sent++; } }
                public int Total() { lock (_sync) { return _sent; } }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task GuardedByMember_InConstructorInitializerAndDispose_IsQuiet()
    {
        const string source = """
            using System;
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer : IDisposable
            {
                private readonly object _gate = new();
                [GuardedBy(nameof(_gate))] private int _pending = 1;

                public OutboxBuffer(int initial) => _pending = initial;

                public void Dispose() => _pending = 0;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task RequiresLockMethod_CalledUnderTheLock_OrFromAnotherRequiresLockMethod_IsQuiet()
    {
        const string source = """
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly object _gate = new();
                [GuardedBy(nameof(_gate))] private int _pending;

                public void Flush() { lock (_gate) { Drain(); } }

                [RequiresLock(nameof(_gate))]
                private void Drain() { _pending = 0; Reset(); }

                [RequiresLock(nameof(_gate))]
                private void Reset() => _pending = 0;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task GuardedByReaderWriterLock_ReadUnderItsReadLock_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using Nuzantara.Concurrency;

            public sealed class FactIndex
            {
                private readonly ReaderWriterLockSlim _lock = new();
                [GuardedBy(nameof(_lock))] private int _version;

                public int Version()
                {
                    _lock.EnterReadLock();
                    try { return _version; }
                    finally { _lock.ExitReadLock(); }
                }

                public void Bump()
                {
                    _lock.EnterWriteLock();
                    try { _version++; }
                    finally { _lock.ExitWriteLock(); }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task AttributeOfAnotherNamespace_IsIgnored()
    {
        const string source = """
            namespace Legacy
            {
                [System.AttributeUsage(System.AttributeTargets.Field)]
                public sealed class GuardedByAttribute(string member) : System.Attribute { public string Member { get; } = member; }

                public sealed class Cache
                {
                    private readonly object _sync = new();
                    [GuardedBy(nameof(_sync))] private int _size;

                    public int Size => _size;
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task ReadUnderTheWritersLockAmongOthers_IsQuiet()
    {
        const string source = """
            public sealed class RouteTable
            {
                private readonly object _routesLock = new();
                private readonly object _statsLock = new();
                private string _routes = "";

                public void Reload(string routes) { lock (_routesLock) { lock (_statsLock) { _routes = routes; } } }

                public string Lookup() { lock (_statsLock) { return _routes; } }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task SomeReadsHoldNoLock_ThirdCaseStaysQuiet()
    {
        const string source = """
            public sealed class RouteTable
            {
                private readonly object _writer = new();
                private readonly object _audit = new();
                private string _routes = "";

                public void Reload(string routes) { lock (_writer) { _routes = routes; } }

                public string Lookup() => _routes;

                public string Audit() { lock (_audit) { return _routes; } }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task HelperCalledOnlyUnderTheLock_AccessingGuardedMember_IsQuiet()
    {
        const string source = """
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly object _gate = new();
                [GuardedBy(nameof(_gate))] private int _pending;

                public void Add() { lock (_gate) { Increment(); } }

                private void Increment() => _pending++;
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task NameofAndInterlocked_OnGuardedMember_AreQuiet()
    {
        const string source = """
            using System.Threading;
            using Nuzantara.Concurrency;

            public sealed class OutboxBuffer
            {
                private readonly object _gate = new();
                [GuardedBy(nameof(_gate))] private int _pending;

                public string Name => nameof(_pending);
                public void Add() => Interlocked.Increment(ref _pending);
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task MemberWrittenAndReadUnderOneLock_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MemoryOrchestrator
            {
                private readonly AsyncReaderWriterLock _facts = new();
                private string[] _current = [];

                public async Task<string[]> GetUserContextAsync(CancellationToken ct)
                {
                    using (await _facts.ReadLockAsync(ct)) { return _current; }
                }

                public async Task ProcessConversationAsync(string[] facts, CancellationToken ct)
                {
                    using (await _facts.WriteLockAsync(ct)) { _current = facts; }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }
}
