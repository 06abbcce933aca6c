using Microsoft.CodeAnalysis.Testing;
using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateVerifier<Nuzantara.Analyzers.Tests.Analysis.SharedStateProbe>;

namespace Nuzantara.Analyzers.Tests.Analysis;

/// <summary>The shared-state model on its own: why a type is shared, which locks are held where, which code is confined.</summary>
public sealed class SharedStateTests
{
    private static DiagnosticResult Probe(int location, string answer) => new DiagnosticResult("PROBE", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(location).WithArguments(answer);

    private static DiagnosticResult Shared(int location, string reason) => new DiagnosticResult("SHARED", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(location).WithArguments(reason);

    private const string Service = """
        public class PriceCache : IPriceCache
        {
            public void Refresh() => {|#0:Probe()|};
            private static void Probe() { }
        }

        public interface IPriceCache { }
        """;

    [Theory]
    [InlineData("AddSingleton<PriceCache>()", "AddSingleton")]
    [InlineData("AddSingleton<IPriceCache, PriceCache>()", "AddSingleton")]
    [InlineData("AddSingleton<IPriceCache>(sp => new PriceCache())", "AddSingleton")]
    [InlineData("AddSingleton(new PriceCache())", "AddSingleton")]
    [InlineData("AddSingleton(typeof(IPriceCache), typeof(PriceCache))", "AddSingleton")]
    [InlineData("AddKeyedSingleton<IPriceCache, PriceCache>(\"eu\")", "AddKeyedSingleton")]
    [InlineData("TryAddSingleton<PriceCache>()", "TryAddSingleton")]
    public async Task Registration_InProgramCs_MakesTheImplementationShared(string registration, string method)
    {
        var program = Verify.Program(registration).Replace("using Microsoft.Extensions.DependencyInjection;", "using Microsoft.Extensions.DependencyInjection;\nusing Microsoft.Extensions.DependencyInjection.Extensions;");

        await Verify.VerifyAsync(Service, program, Probe(0, "held=; confined=False"), Shared(0, $"'PriceCache' is registered with {method} in Program.cs"));
    }

    [Theory]
    [InlineData("AddScoped<PriceCache>()")]
    [InlineData("AddTransient<IPriceCache, PriceCache>()")]
    public async Task ScopedOrTransientRegistration_IsNotShared(string registration)
    {
        await Verify.VerifyAsync(Service, Verify.Program(registration), Probe(0, "held=; confined=False"));
    }

    [Fact]
    public async Task HostedService_AndTheBaseOfARegisteredType_AreShared()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public abstract class CacheBase
            {
                protected void Touch() => {|#0:Probe()|};
                private static void Probe() { }
            }

            public sealed class PriceCache : CacheBase { }

            public sealed class Warmup : IHostedService
            {
                public Task StartAsync(CancellationToken cancellationToken) { {|#1:Probe()|}; return Task.CompletedTask; }
                public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
                public void Poke() => {|#2:Probe()|};
                private static void Probe() { }
            }
            """;

        await Verify.VerifyAsync(
            source,
            Verify.Program("AddSingleton<PriceCache>()", "AddHostedService<Warmup>()"),
            Probe(0, "held=; confined=False"),
            Shared(0, "'CacheBase' is the base of 'PriceCache', registered with AddSingleton in Program.cs"),
            Probe(1, "held=; confined=True"),
            Shared(1, "'Warmup' is registered with AddHostedService in Program.cs"),
            Probe(2, "held=; confined=False"),
            Shared(2, "'Warmup' is registered with AddHostedService in Program.cs"));
    }

    [Fact]
    public async Task ThreadSafeAttribute_BackgroundService_InstanceLock_AndOption_AreReasons()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;
            using Nuzantara.Concurrency;

            [ThreadSafe]
            public interface ISessionStore { }

            public sealed class SessionStore : ISessionStore
            {
                public void Save() => {|#0:Probe()|};
                private static void Probe() { }
            }

            public sealed class Outbox : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) { {|#1:Probe()|}; return Task.CompletedTask; }
                private static void Probe() { }
            }

            public sealed class Quotas
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                public void Use() => {|#2:Probe()|};
                private static void Probe() { }
            }

            public sealed class RateCache
            {
                public void Use() => {|#3:Probe()|};
                private static void Probe() { }
            }

            public sealed class ImportController
            {
                private static readonly object Sync = new();
                public void Import() { lock (Sync) { } {|#4:Probe()|}; }
                private static void Probe() { }
            }
            """;

        await Verify.VerifyAsync(
            source,
            string.Empty,
            ["nuzantara.shared_types = *Cache"],
            Probe(0, "held=; confined=False"),
            Shared(0, "'SessionStore' is marked [ThreadSafe] through 'ISessionStore'"),
            Probe(1, "held=; confined=True"),
            Shared(1, "'Outbox' is a BackgroundService, which runs beside the requests"),
            Probe(2, "held=; confined=False"),
            Shared(2, "'Quotas' takes a lock ('_gate'), so its author expects concurrent callers"),
            Probe(3, "held=; confined=False"),
            Shared(3, "'RateCache' is listed in nuzantara.shared_types ('*Cache')"),
            Probe(4, "held=; confined=False"));
    }

    [Fact]
    public async Task HeldLocks_CarryModeAndKey_AndRequiresLockBodiesHoldTheNamedLock()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class MemoryStore
            {
                private readonly object _sync = new();
                private readonly AsyncReaderWriterLock _facts = new();
                private readonly KeyedAsyncLock<string> _users = new();
                private readonly ReaderWriterLockSlim _index = new();

                public async Task ReadAsync(CancellationToken ct)
                {
                    using (await _facts.ReadLockAsync(ct)) { {|#0:Probe()|}; }
                    using (await _facts.WriteLockAsync(ct)) { {|#1:Probe()|}; }
                }

                public async Task SaveAsync(string userId, CancellationToken ct)
                {
                    using var handle = await _users.LockAsync(userId, ct);
                    {|#2:Probe()|};
                }

                public void Index()
                {
                    _index.EnterReadLock();
                    try { {|#3:Probe()|}; }
                    finally { _index.ExitReadLock(); }
                    lock (_sync) { {|#4:Probe()|}; }
                }

                [RequiresLock(nameof(_sync))]
                public void Flush() => {|#5:Probe()|};

                private static void Probe() { }
            }
            """;

        await Verify.VerifyAsync(
            source,
            string.Empty,
            Probe(0, "held=_facts:Read; confined=False"),
            Shared(0, "'MemoryStore' takes a lock ('_facts'), so its author expects concurrent callers"),
            Probe(1, "held=_facts:Write; confined=False"),
            Shared(1, "'MemoryStore' takes a lock ('_facts'), so its author expects concurrent callers"),
            Probe(2, "held=_users:Exclusive[userId]; confined=False"),
            Shared(2, "'MemoryStore' takes a lock ('_facts'), so its author expects concurrent callers"),
            Probe(3, "held=_index:Read; confined=False"),
            Shared(3, "'MemoryStore' takes a lock ('_facts'), so its author expects concurrent callers"),
            Probe(4, "held=_sync:Exclusive; confined=False"),
            Shared(4, "'MemoryStore' takes a lock ('_facts'), so its author expects concurrent callers"),
            Probe(5, "held=_sync:Exclusive; confined=False"),
            Shared(5, "'MemoryStore' takes a lock ('_facts'), so its author expects concurrent callers"));
    }

    [Fact]
    public async Task PrivateHelpers_InheritTheLocksOfAllTheirCallers_TwoLevelsDeep()
    {
        const string source = """
            public sealed class Ledger
            {
                private readonly object _gate = new();

                public void Post() { lock (_gate) { Apply(); } }
                public void Reverse() { lock (_gate) { Apply(); Unguarded(); } }
                public void Peek() => Unguarded();

                private void Apply() => Record();
                private void Record() => {|#0:Probe()|};
                private void Unguarded() => {|#1:Probe()|};

                private static void Probe() { }
            }
            """;

        await Verify.VerifyAsync(
            source,
            string.Empty,
            Probe(0, "held=_gate:Exclusive; confined=False"),
            Shared(0, "'Ledger' takes a lock ('_gate'), so its author expects concurrent callers"),
            Probe(1, "held=; confined=False"),
            Shared(1, "'Ledger' takes a lock ('_gate'), so its author expects concurrent callers"));
    }

    [Fact]
    public async Task Confinement_Constructors_TheirPrivateHelpers_LinqLambdas_ButNotTimerCallbacks()
    {
        const string source = """
            using System;
            using System.Linq;
            using System.Threading;
            using Nuzantara.Concurrency;

            [ThreadSafe]
            public sealed class Warmer : IDisposable
            {
                private readonly Timer _timer;

                public Warmer(string[] keys)
                {
                    Load();
                    _ = keys.Select(k => { {|#0:Probe()|}; return k; }).ToList();
                    _timer = new Timer(_ => {|#1:Probe()|}, null, 1000, 1000);
                }

                public void Reload() => Shared();
                public void Dispose() { {|#2:Probe()|}; _timer.Dispose(); }

                private void Load() => {|#3:Probe()|};
                private void Shared() => {|#4:Probe()|};
                private static void Probe() { }
            }
            """;

        const string reason = "'Warmer' is marked [ThreadSafe]";
        await Verify.VerifyAsync(
            source,
            string.Empty,
            Probe(0, "held=; confined=True"),
            Shared(0, reason),
            Probe(1, "held=; confined=False"),
            Shared(1, reason),
            Probe(2, "held=; confined=True"),
            Shared(2, reason),
            Probe(3, "held=; confined=True"),
            Shared(3, reason),
            Probe(4, "held=; confined=False"),
            Shared(4, reason));
    }
}
