using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateVerifier<Nuzantara.Analyzers.Rules.CheckThenActAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class CheckThenActAnalyzerTests
{
    private static readonly string Singleton = Verify.Program("AddSingleton<SyncService>()");

    [Fact]
    public async Task StartedFlagCheckedThenSet_InSingleton_Reports()
    {
        const string source = """
            public sealed class SyncService
            {
                private bool _started;

                public void Start()
                {
                    if (!{|#1:_started|})
                    {
                        Connect();
                        {|#0:_started = true|};
                    }
                }

                private static void Connect() { }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1).WithArguments("_started", "'Start'", string.Empty, "'SyncService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task LazyInitialisationCheckedAndSetAcrossAwait_Reports_NamingTheAwait()
    {
        const string source = """
            using System.Threading.Tasks;

            public interface ISettingsSource { Task<string> LoadAsync(); }

            public sealed class SyncService(ISettingsSource source)
            {
                private string? _settings;

                public async Task<string> GetAsync()
                {
                    if ({|#1:_settings|} is null)
                    {
                        {|#0:_settings = {|#2:await source.LoadAsync()|}|};
                    }

                    return _settings;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1, 2).WithArguments("_settings", "'GetAsync'", " after 'await source.LoadAsync()'", "'SyncService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task PromotionFlagCheckedThenSetAroundAwaitedSave_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public sealed class Fact
            {
                public HashSet<string> Supporters { get; } = new();
                public bool IsPromoted { get; set; }
            }

            public interface IFactRepository { Task SaveAsync(Fact fact); }

            public sealed class CollectiveMemory(IFactRepository repository)
            {
                private readonly Dictionary<string, Fact> _facts = new();

                public async Task SupportAsync(string factId, string userId)
                {
                    var fact = _facts[factId];
                    fact.Supporters.Add(userId);
                    if (fact.Supporters.Count >= 3 && !{|#1:fact.IsPromoted|})
                    {
                        {|#2:await repository.SaveAsync(fact)|};
                        {|#0:fact.IsPromoted = true|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddSingleton<CollectiveMemory>()"), Verify.At(0, 1, 2).WithArguments("fact.IsPromoted", "'SupportAsync'", " after 'await repository.SaveAsync(fact)'", "'CollectiveMemory' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task PromotionFlagSetBeforeTheAwait_OnAMemberOfTheService_Reports()
    {
        const string source = """
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            [ThreadSafe]
            public sealed class PromotionService
            {
                private int _supporters;
                private bool _promoted;

                public async Task SupportAsync(Task publish)
                {
                    if (_supporters >= 3 && !{|#1:_promoted|})
                    {
                        {|#0:_promoted = true|};
                        await publish;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task CoalescingAssignment_Reports()
    {
        const string source = """
            using System.Net.Http;

            public sealed class SyncService
            {
                private HttpClient? _client;

                public HttpClient Client => {|#0:{|#1:_client|} ??= new HttpClient()|};
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1).WithArguments("_client", "'Client'", string.Empty, "'SyncService' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task CoalescingAssignmentOfAwaitedValue_Reports()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class SyncService
            {
                private string? _token;

                public async Task<string> TokenAsync(Task<string> fetch) => {|#0:{|#1:_token|} ??= {|#2:await fetch|}|};
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task GuardClause_ThenAwait_ThenSet_Reports()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class SyncService
            {
                private bool _initialized;

                public async Task InitializeAsync(Task migrate)
                {
                    if ({|#1:_initialized|}) return;
                    {|#2:await migrate|};
                    {|#0:_initialized = true|};
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1, 2));
    }

    [Fact]
    public async Task BrokenDoubleCheckedLocking_WithoutRecheck_Reports()
    {
        const string source = """
            public sealed class SyncService
            {
                private readonly object _sync = new();
                private string? _schema;

                public string Schema()
                {
                    if ({|#1:_schema|} == null)
                    {
                        lock (_sync)
                        {
                            {|#0:_schema = Load()|};
                        }
                    }

                    return _schema;
                }

                private static string Load() => "v1";
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task StaticFlag_InPerRequestType_Reports()
    {
        const string source = """
            public sealed class MigrationHandler
            {
                private static bool _migrated;

                public void Handle()
                {
                    if (!{|#1:_migrated|})
                    {
                        {|#0:_migrated = true|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<MigrationHandler>()"), Verify.At(0, 1).WithArguments("_migrated", "'Handle'", string.Empty, "'_migrated' is static, so every flow in the process shares it"));
    }

    [Fact]
    public async Task ObjectFromTryGetValue_CheckedThenSet_Reports()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class Session { public bool Expired { get; set; } public int Hits { get; set; } }

            public sealed class SyncService
            {
                private readonly ConcurrentDictionary<string, Session> _sessions = new();

                public void Expire(string id)
                {
                    if (_sessions.TryGetValue(id, out var session) && !{|#1:session.Expired|})
                    {
                        {|#0:session.Expired = true|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1));
    }

    [Fact]
    public async Task WriteInElseBranch_Reports()
    {
        const string source = """
            using System;

            public sealed class SyncService
            {
                private DateTime? _since;

                public DateTime Since()
                {
                    if ({|#1:_since|} is { } since)
                    {
                        return since;
                    }
                    else
                    {
                        {|#0:_since = DateTime.UtcNow|};
                        return _since.Value;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1));
    }

    [Fact]
    public async Task CheckAndActInsideOneLock_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SyncService
            {
                private readonly AsyncLock _gate = new();
                private readonly object _sync = new();
                private bool _started;
                private string? _settings;

                public void Start() { lock (_sync) { if (!_started) { _started = true; } } }

                public async Task<string> GetAsync(Task<string> load, CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct))
                    {
                        if (_settings is null)
                        {
                            _settings = await load;
                        }

                        return _settings;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task CorrectDoubleCheckedLocking_IsQuiet()
    {
        const string source = """
            public sealed class SyncService
            {
                private readonly object _sync = new();
                private volatile string? _schema;

                public string Schema()
                {
                    if (_schema == null)
                    {
                        lock (_sync)
                        {
                            if (_schema == null)
                            {
                                _schema = Load();
                            }
                        }
                    }

                    return _schema;
                }

                private static string Load() => "v1";
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task InterlockedCompareExchange_IsQuiet()
    {
        const string source = """
            using System.Threading;

            public sealed class SyncService
            {
                private int _started;

                public void Start()
                {
                    if (Interlocked.CompareExchange(ref _started, 1, 0) == 0)
                    {
                        Connect();
                    }
                }

                private static void Connect() { }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task PerRequestController_IsQuiet()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class OrderController
            {
                private string? _currency;
                private bool _validated;

                public async Task<string> PlaceAsync(Task<string> lookup)
                {
                    if (!_validated) { _validated = true; }
                    if (_currency is null) { _currency = await lookup; }
                    return _currency;
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<OrderController>()"));
    }

    [Fact]
    public async Task ObjectsCreatedOrPassedIn_InSingleton_AreQuiet()
    {
        const string source = """
            using System.Threading.Tasks;

            public sealed class Order { public bool IsPaid { get; set; } public string? Receipt { get; set; } }

            public interface IPayments { Task<string> ChargeAsync(Order order); }

            public sealed class SyncService(IPayments payments)
            {
                public async Task PayAsync(Order order)
                {
                    if (!order.IsPaid)
                    {
                        order.Receipt = await payments.ChargeAsync(order);
                        order.IsPaid = true;
                    }
                }

                public Order Draft()
                {
                    var order = new Order();
                    if (!order.IsPaid) order.Receipt = "draft";
                    return order;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task HostedServiceLoop_IsQuiet()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class Warmup : BackgroundService
            {
                private bool _warm;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    if (!_warm)
                    {
                        await Task.Delay(10, stoppingToken);
                        _warm = true;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }

    [Fact]
    public async Task CheckOfOneMember_WriteOfAnother_IsQuiet()
    {
        const string source = """
            using System;

            public sealed class SyncService
            {
                private bool _enabled = true;
                private DateTime _lastRun;

                public void Run()
                {
                    if (_enabled)
                    {
                        _lastRun = DateTime.UtcNow;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task StateReachedByKey_UnderTheKeyedLock_IsQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class Fact { public int Supporters { get; set; } public bool IsPromoted { get; set; } }

            public sealed class SyncService
            {
                private readonly KeyedAsyncLock<string> _facts = new();
                private readonly ConcurrentDictionary<string, Fact> _byId = new();

                public async Task SupportAsync(string factId, Task save, CancellationToken ct)
                {
                    using (await _facts.LockAsync(factId, ct))
                    {
                        var fact = _byId.GetOrAdd(factId, _ => new Fact());
                        fact.Supporters++;
                        if (fact.Supporters >= 3 && !fact.IsPromoted)
                        {
                            await save;
                            fact.IsPromoted = true;
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task CompoundUpdateInBranch_IsLeftToNZ2001()
    {
        const string source = """
            public sealed class SyncService
            {
                private int _inFlight;

                public bool TryEnter()
                {
                    if (_inFlight < 10)
                    {
                        _inFlight++;
                        return true;
                    }

                    return false;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task ConstructorAndLazyOfT_AreQuiet()
    {
        const string source = """
            using System;

            public sealed class SyncService
            {
                private readonly Lazy<string> _schema = new(() => "v1");
                private string? _name;

                public SyncService(string? name)
                {
                    if (_name is null)
                    {
                        _name = name ?? "default";
                    }
                }

                public string Schema => _schema.Value;
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }
}
