using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateFixVerifier<
    Nuzantara.Analyzers.Rules.CheckThenActAnalyzer,
    Nuzantara.Analyzers.Rules.CheckThenActCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class CheckThenActCodeFixTests
{
    private const string PromotionSource = """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;

        public sealed class Fact
        {
            public HashSet<string> Supporters { get; } = new();
            public bool IsPromoted { get; set; }
        }

        public interface IFactRepository
        {
            Task SaveAsync(Fact fact, CancellationToken cancellationToken);
        }

        public sealed class CollectiveMemory(IFactRepository repository)
        {
            private readonly ConcurrentDictionary<string, Fact> _facts = new();

            public async Task SupportAsync(string factId, string userId, CancellationToken cancellationToken)
            {
                var fact = _facts.GetOrAdd(factId, _ => new Fact());
                fact.Supporters.Add(userId);
                if (fact.Supporters.Count >= 3 && !fact.IsPromoted)
                {
                    await repository.SaveAsync(fact, cancellationToken);
                    {|NZ3002:fact.IsPromoted = true|};
                }
            }
        }
        """;

    [Fact]
    public async Task LazyInitialisationAcrossAwait_GuardsTheCheckAndTheLoad()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public interface ISettingsSource
            {
                Task<string> LoadAsync(CancellationToken cancellationToken);
            }

            public sealed class SettingsProvider(ISettingsSource source)
            {
                private string? _settings;

                public async Task<string> GetAsync(CancellationToken cancellationToken)
                {
                    if (_settings is null)
                    {
                        {|NZ3002:_settings = await source.LoadAsync(cancellationToken)|};
                    }

                    return _settings;
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public interface ISettingsSource
            {
                Task<string> LoadAsync(CancellationToken cancellationToken);
            }

            public sealed class SettingsProvider(ISettingsSource source)
            {
                private string? _settings;
                private readonly AsyncLock _gate = new();

                public async Task<string> GetAsync(CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        if (_settings is null)
                        {
                            _settings = await source.LoadAsync(cancellationToken);
                        }
                    }

                    return _settings;
                }
            }
            """,
            Verify.Program("AddSingleton<SettingsProvider>()"));
    }

    [Fact]
    public async Task PromotionFlagAroundAwaitedSave_GuardsFromTheLoadToTheSet()
    {
        await Verify.VerifyAsync(
            PromotionSource,
            """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class Fact
            {
                public HashSet<string> Supporters { get; } = new();
                public bool IsPromoted { get; set; }
            }

            public interface IFactRepository
            {
                Task SaveAsync(Fact fact, CancellationToken cancellationToken);
            }

            public sealed class CollectiveMemory(IFactRepository repository)
            {
                private readonly ConcurrentDictionary<string, Fact> _facts = new();
                private readonly AsyncLock _gate = new();

                public async Task SupportAsync(string factId, string userId, CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        var fact = _facts.GetOrAdd(factId, _ => new Fact());
                        fact.Supporters.Add(userId);
                        if (fact.Supporters.Count >= 3 && !fact.IsPromoted)
                        {
                            await repository.SaveAsync(fact, cancellationToken);
                            fact.IsPromoted = true;
                        }
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<CollectiveMemory>()"));
    }

    [Fact]
    public async Task PromotionFlagOfAFactLoadedByItsId_OffersAKeyedLockOnThatId()
    {
        await Verify.VerifyAsync(
            PromotionSource,
            """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class Fact
            {
                public HashSet<string> Supporters { get; } = new();
                public bool IsPromoted { get; set; }
            }

            public interface IFactRepository
            {
                Task SaveAsync(Fact fact, CancellationToken cancellationToken);
            }

            public sealed class CollectiveMemory(IFactRepository repository)
            {
                private readonly ConcurrentDictionary<string, Fact> _facts = new();
                private readonly KeyedAsyncLock<string> _factIdLocks = new();

                public async Task SupportAsync(string factId, string userId, CancellationToken cancellationToken)
                {
                    using (await _factIdLocks.LockAsync(factId, cancellationToken))
                    {
                        var fact = _facts.GetOrAdd(factId, _ => new Fact());
                        fact.Supporters.Add(userId);
                        if (fact.Supporters.Count >= 3 && !fact.IsPromoted)
                        {
                            await repository.SaveAsync(fact, cancellationToken);
                            fact.IsPromoted = true;
                        }
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<CollectiveMemory>()"),
            equivalenceKey: "NZ3002.GuardKeyed");
    }

    [Fact]
    public async Task FlagSetFirstThing_BecomesACompareExchange_AndThePrivateBoolBecomesAnInt()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public interface IBroker
            {
                Task ConnectAsync(CancellationToken cancellationToken);
            }

            public sealed class BrokerConnection(IBroker broker)
            {
                private bool _started;

                public bool IsStarted => _started;

                public async Task StartAsync(CancellationToken cancellationToken)
                {
                    if (!_started)
                    {
                        {|NZ3002:_started = true|};
                        await broker.ConnectAsync(cancellationToken);
                    }
                }

                public void Stop()
                {
                    if (IsStarted && !_started.Equals(false))
                    {
                        return;
                    }
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;

            public interface IBroker
            {
                Task ConnectAsync(CancellationToken cancellationToken);
            }

            public sealed class BrokerConnection(IBroker broker)
            {
                private int _started;

                public bool IsStarted => _started != 0;

                public async Task StartAsync(CancellationToken cancellationToken)
                {
                    if (Interlocked.CompareExchange(ref _started, 1, 0) == 0)
                    {
                        await broker.ConnectAsync(cancellationToken);
                    }
                }

                public void Stop()
                {
                    if (IsStarted && !(_started != 0).Equals(false))
                    {
                        return;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<BrokerConnection>()"),
            equivalenceKey: "NZ3002.CompareExchange");
    }

    [Fact]
    public async Task IntStateSetFirstThing_BecomesACompareExchange()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ShutdownCoordinator
            {
                private int _state;

                public async Task ShutdownAsync(Task drain)
                {
                    if (_state == 0)
                    {
                        {|NZ3002:_state = 2|};
                        await drain;
                    }
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ShutdownCoordinator
            {
                private int _state;

                public async Task ShutdownAsync(Task drain)
                {
                    if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
                    {
                        await drain;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<ShutdownCoordinator>()"),
            equivalenceKey: "NZ3002.CompareExchange");
    }

    [Fact]
    public async Task FlagThatOtherTypesCanSee_IsNotConvertedToInt_SoNoCompareExchangeIsOffered()
    {
        const string Source = """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Warmup
            {
                internal bool Done;

                public async Task RunAsync(Task load)
                {
                    if (!Done)
                    {
                        {|NZ3002:Done = true|};
                        await load;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(Source, Source, Verify.Program("AddSingleton<Warmup>()"), equivalenceKey: "NZ3002.CompareExchange");
    }

    [Fact]
    public async Task FlagSetAfterTheWork_IsNotACompareExchange_ButTheGuardClauseJoinsTheGuard()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading.Tasks;

            public sealed class IndexWarmer
            {
                private bool _warmedUp;

                public async Task EnsureWarmAsync(Task warm)
                {
                    if (_warmedUp)
                    {
                        return;
                    }

                    await warm;
                    {|NZ3002:_warmedUp = true|};
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class IndexWarmer
            {
                private bool _warmedUp;
                private readonly AsyncLock _gate = new();

                public async Task EnsureWarmAsync(Task warm)
                {
                    using (await _gate.LockAsync())
                    {
                        if (_warmedUp)
                        {
                            return;
                        }

                        await warm;
                        _warmedUp = true;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<IndexWarmer>()"));
    }

    [Fact]
    public async Task SynchronousLazyInstance_InATypeWithAnObjectLock_UsesTheLockStatement()
    {
        await Verify.VerifyAsync(
            """
            public sealed class ClientPool
            {
                private readonly object _sync = new();
                private object? _client;
                private int _leases;

                public object Rent()
                {
                    lock (_sync)
                    {
                        _leases++;
                    }

                    {|NZ3002:_client ??= new object()|};
                    return _client;
                }
            }
            """,
            """
            public sealed class ClientPool
            {
                private readonly object _sync = new();
                private object? _client;
                private int _leases;

                public object Rent()
                {
                    lock (_sync)
                    {
                        _leases++;
                        _client ??= new object();
                    }

                    return _client;
                }
            }
            """);
    }

    [Fact]
    public async Task SeveralChecksInOneDocument_ShareOneInsertedLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class EmbeddingService
            {
                private object? _model;
                private object? _tokenizer;

                public async Task<object> ModelAsync(Task<object> load, CancellationToken cancellationToken)
                {
                    if (_model is null)
                    {
                        {|NZ3002:_model = await load|};
                    }

                    return _model;
                }

                public async Task<object> TokenizerAsync(Task<object> load, CancellationToken cancellationToken)
                {
                    if (_tokenizer is null)
                    {
                        {|NZ3002:_tokenizer = await load|};
                    }

                    return _tokenizer;
                }
            }
            """,
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class EmbeddingService
            {
                private object? _model;
                private object? _tokenizer;
                private readonly AsyncLock _gate = new();

                public async Task<object> ModelAsync(Task<object> load, CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        if (_model is null)
                        {
                            _model = await load;
                        }
                    }

                    return _model;
                }

                public async Task<object> TokenizerAsync(Task<object> load, CancellationToken cancellationToken)
                {
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        if (_tokenizer is null)
                        {
                            _tokenizer = await load;
                        }
                    }

                    return _tokenizer;
                }
            }
            """,
            Verify.Program("AddSingleton<EmbeddingService>()"));
    }

    [Fact]
    public async Task StateOfTheUsersEntry_ReusesTheKeyedLockTheTypeAlreadyTakesOnUserId()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class UserMemory
            {
                public List<string> Messages { get; } = new();
                public string? Summary { get; set; }
            }

            public interface ISummarizer
            {
                Task<string> SummarizeAsync(string userId, CancellationToken cancellationToken);
            }

            public sealed class ConversationMemory(ISummarizer summarizer)
            {
                private readonly KeyedAsyncLock<string> _userLocks = new();
                private readonly ConcurrentDictionary<string, UserMemory> _memories = new();

                public async Task AppendAsync(string userId, string message, CancellationToken cancellationToken)
                {
                    using (await _userLocks.LockAsync(userId, cancellationToken))
                    {
                        var memory = _memories.GetOrAdd(userId, _ => new UserMemory());
                        memory.Messages.Add(message);
                    }
                }

                public async Task<string> SummaryAsync(string userId, CancellationToken cancellationToken)
                {
                    var memory = _memories.GetOrAdd(userId, _ => new UserMemory());
                    if (memory.Summary is null)
                    {
                        {|NZ3002:memory.Summary = await summarizer.SummarizeAsync(userId, cancellationToken)|};
                    }

                    return memory.Summary;
                }
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class UserMemory
            {
                public List<string> Messages { get; } = new();
                public string? Summary { get; set; }
            }

            public interface ISummarizer
            {
                Task<string> SummarizeAsync(string userId, CancellationToken cancellationToken);
            }

            public sealed class ConversationMemory(ISummarizer summarizer)
            {
                private readonly KeyedAsyncLock<string> _userLocks = new();
                private readonly ConcurrentDictionary<string, UserMemory> _memories = new();

                public async Task AppendAsync(string userId, string message, CancellationToken cancellationToken)
                {
                    using (await _userLocks.LockAsync(userId, cancellationToken))
                    {
                        var memory = _memories.GetOrAdd(userId, _ => new UserMemory());
                        memory.Messages.Add(message);
                    }
                }

                public async Task<string> SummaryAsync(string userId, CancellationToken cancellationToken)
                {
                    using (await _userLocks.LockAsync(userId, cancellationToken))
                    {
                        var memory = _memories.GetOrAdd(userId, _ => new UserMemory());
                        if (memory.Summary is null)
                        {
                            memory.Summary = await summarizer.SummarizeAsync(userId, cancellationToken);
                        }

                        return memory.Summary;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<ConversationMemory>()"),
            equivalenceKey: "NZ3002.GuardKeyed");
    }

    [Fact]
    public async Task FlagOfTheTypeItself_GetsNoKeyedGuard_EvenWithAKeyParameter()
    {
        const string Source = """
            using System.Threading.Tasks;

            public sealed class TenantBootstrap
            {
                private bool _seeded;

                public async Task SeedAsync(string tenantId, Task seed)
                {
                    if (!_seeded)
                    {
                        await seed;
                        {|NZ3002:_seeded = true|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(Source, Source, Verify.Program("AddSingleton<TenantBootstrap>()"), equivalenceKey: "NZ3002.GuardKeyed");
    }

    [Fact]
    public async Task VolatileFlagWithAnElseBranch_BecomesACompareExchange_AndItsOtherUsesAreRewritten()
    {
        await Verify.VerifyAsync(
            """
            using System;
            using System.Threading.Tasks;

            public sealed class ReplicationWorker
            {
                private volatile bool _running;

                public async Task StartAsync(Task connect)
                {
                    if (!_running)
                    {
                        {|NZ3002:_running = true|};
                        await connect;
                    }
                    else
                    {
                        Console.WriteLine("Already running: " + _running);
                    }
                }

                public void Stop(bool force)
                {
                    _running = !force && _running;
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ReplicationWorker
            {
                private volatile int _running;

                public async Task StartAsync(Task connect)
                {
                    if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
                    {
                        await connect;
                    }
                    else
                    {
                        Console.WriteLine("Already running: " + (_running != 0));
                    }
                }

                public void Stop(bool force)
                {
                    _running = (!force && (_running != 0)) ? 1 : 0;
                }
            }
            """,
            Verify.Program("AddSingleton<ReplicationWorker>()"),
            equivalenceKey: "NZ3002.CompareExchange");
    }

    [Fact]
    public async Task LazyClientInAnExpressionBodiedProperty_BecomesAGetterUnderANewLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Net.Http;

            public sealed class WeatherClient
            {
                private HttpClient? _client;

                public HttpClient Client => {|NZ3002:_client ??= new HttpClient()|};
            }
            """,
            """
            using System.Net.Http;

            public sealed class WeatherClient
            {
                private HttpClient? _client;
                private readonly object _sync = new();

                public HttpClient Client
                {
                    get
                    {
                        lock (_sync)
                        {
                            return _client ??= new HttpClient();
                        }
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<WeatherClient>()"));
    }
}
