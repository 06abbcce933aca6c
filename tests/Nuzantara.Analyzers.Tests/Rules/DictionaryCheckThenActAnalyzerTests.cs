using Nuzantara.Analyzers.Tests.Verifiers;
using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateVerifier<Nuzantara.Analyzers.Rules.DictionaryCheckThenActAnalyzer>;
using VerifyFix = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Nuzantara.Analyzers.Rules.DictionaryCheckThenActAnalyzer, Nuzantara.Analyzers.Rules.DictionaryCheckThenActCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class DictionaryCheckThenActAnalyzerTests
{
    private static readonly string Singleton = Verify.Program("AddSingleton<SessionCache>()");

    [Fact]
    public async Task ConcurrentDictionary_ContainsKeyThenIndexerSet_Reports_EvenInAPerRequestType()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _sessions = new();

                public void Open(string id, string user)
                {
                    if (!{|#0:_sessions.ContainsKey(id)|})
                    {
                        {|#1:_sessions[id] = user|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<SessionCache>()"), Verify.At(0, 1).WithArguments("_sessions", "ContainsKey", "the indexer", "'Open'", "'_sessions' is a ConcurrentDictionary, so other flows use it at the same time"));
    }

    [Fact]
    public async Task ConcurrentDictionary_TryGetValueMiss_ThenSet_Reports()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, object> _locks = new();

                public object For(string id)
                {
                    if (!{|#0:_locks.TryGetValue(id, out var gate)|})
                    {
                        gate = new object();
                        {|#1:_locks[id] = gate|};
                    }

                    return gate;
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task DictionaryOfSingleton_ContainsKeyThenAdd_Reports()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class SessionCache
            {
                private readonly Dictionary<string, string> _sessions = new();

                public void Open(string id, string user)
                {
                    if (!{|#0:_sessions.ContainsKey(id)|})
                    {
                        {|#1:_sessions.Add(id, user)|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton, Verify.At(0, 1).WithArguments("_sessions", "ContainsKey", "'Add'", "'Open'", "'SessionCache' is registered with AddSingleton in Program.cs"));
    }

    [Fact]
    public async Task GuardClause_ThenSet_Reports()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, int> _quota = new();

                public void Init(string user)
                {
                    if ({|#0:_quota.ContainsKey(user)|}) return;
                    {|#1:_quota[user] = 100|};
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task LookupThenUpdate_Reports()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, int> _hits = new();

                public void Hit(string page)
                {
                    if ({|#0:_hits.TryGetValue(page, out var hits)|})
                    {
                        {|#1:_hits[page] = hits + 1|};
                    }
                    else
                    {
                        _hits[page] = 1;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task AwaitBetweenCheckAndSet_Reports()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Threading.Tasks;

            public interface IProfiles { Task<string> LoadAsync(string id); }

            public sealed class SessionCache(IProfiles profiles)
            {
                private readonly ConcurrentDictionary<string, string> _profiles = new();

                public async Task WarmAsync(string id)
                {
                    if (!{|#0:_profiles.ContainsKey(id)|})
                    {
                        {|#1:_profiles[id] = await profiles.LoadAsync(id)|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task StaticDictionary_InPerRequestController_Reports()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class TenantController
            {
                private static readonly Dictionary<string, string> Tenants = new();

                public void Register(string host, string tenant)
                {
                    if (!{|#0:Tenants.ContainsKey(host)|}) {|#1:Tenants[host] = tenant|};
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<TenantController>()"), Verify.At(0, 1));
    }

    [Fact]
    public async Task KeyedLockForAnotherKey_Reports()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionCache
            {
                private readonly KeyedAsyncLock<string> _users = new();
                private readonly ConcurrentDictionary<string, string> _sessions = new();

                public async Task OpenAsync(string userId, string sessionId, CancellationToken ct)
                {
                    using (await _users.LockAsync(userId, ct))
                    {
                        if (!{|#0:_sessions.ContainsKey(sessionId)|}) {|#1:_sessions[sessionId] = userId|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task CheckUnderLock_SetAfterIt_Reports()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class SessionCache
            {
                private readonly object _sync = new();
                private readonly Dictionary<string, string> _sessions = new();

                public void Open(string id, string user)
                {
                    bool known;
                    lock (_sync) { known = _sessions.ContainsKey(id); }
                    if (!known) { lock (_sync) { _sessions[id] = user; } }

                    if (!{|#0:_sessions.ContainsKey(user)|})
                    {
                        lock (_sync) { {|#1:_sessions[user] = id|}; }
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task CheckCombinedWithAnotherCondition_Reports()
    {
        const string source = """
            using System.Collections.Generic;
            using Nuzantara.Concurrency;

            [ThreadSafe]
            public sealed class SessionCache
            {
                private readonly IDictionary<string, int> _limits = new Dictionary<string, int>();

                public void Limit(string user, int limit)
                {
                    if (limit > 0 && !{|#0:_limits.ContainsKey(user)|})
                    {
                        {|#1:_limits[user] = limit|};
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty, Verify.At(0, 1));
    }

    [Fact]
    public async Task AtomicCalls_AreQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, int> _hits = new();

                public void Hit(string page)
                {
                    _hits.TryAdd(page, 0);
                    _hits.AddOrUpdate(page, 1, (_, n) => n + 1);
                    _ = _hits.GetOrAdd(page, _ => 0);
                    if (!_hits.ContainsKey(page)) _hits.TryAdd(page, 0);
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task DictionaryOfPerRequestHandler_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class ImportHandler
            {
                private readonly Dictionary<string, int> _rows = new();

                public void Handle(string key)
                {
                    if (_rows.TryGetValue(key, out var n)) _rows[key] = n + 1;
                    else _rows.Add(key, 1);
                }
            }
            """;

        await Verify.VerifyAsync(source, Verify.Program("AddScoped<ImportHandler>()"));
    }

    [Fact]
    public async Task CheckAndSetUnderOneLock_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionCache
            {
                private readonly AsyncLock _gate = new();
                private readonly Dictionary<string, string> _sessions = new();

                public async Task OpenAsync(string id, string user, CancellationToken ct)
                {
                    using (await _gate.LockAsync(ct))
                    {
                        if (!_sessions.ContainsKey(id)) _sessions.Add(id, user);
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task KeyedLockForTheSameKey_IsQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionCache
            {
                private readonly KeyedAsyncLock<string> _users = new();
                private readonly ConcurrentDictionary<string, int> _logins = new();

                public async Task LoginAsync(string userId, CancellationToken ct)
                {
                    using (await _users.LockAsync(userId, ct))
                    {
                        if (_logins.TryGetValue(userId, out var n)) _logins[userId] = n + 1;
                        else _logins[userId] = 1;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task LocalDictionary_IsQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Collections.Generic;

            public sealed class SessionCache
            {
                public IReadOnlyDictionary<string, int> Count(IEnumerable<string> words)
                {
                    var counts = new Dictionary<string, int>();
                    var seen = new ConcurrentDictionary<string, bool>();
                    foreach (var word in words)
                    {
                        if (!counts.ContainsKey(word)) counts[word] = 0;
                        if (!seen.ContainsKey(word)) seen[word] = true;
                    }

                    return counts;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task DifferentKeys_AreQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _aliases = new();

                public void Alias(string name, string alias)
                {
                    if (_aliases.ContainsKey(name)) _aliases[alias] = name;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task ConstructorSeeding_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;

            public sealed class SessionCache
            {
                private readonly Dictionary<string, string> _defaults = new();

                public SessionCache(IEnumerable<string> keys)
                {
                    foreach (var key in keys)
                    {
                        if (!_defaults.ContainsKey(key)) _defaults.Add(key, "");
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task CheckOfOneDictionary_WriteOfAnother_IsQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _active = new();
                private readonly ConcurrentDictionary<string, string> _expired = new();

                public void Expire(string id)
                {
                    if (_active.TryRemove(id, out var user) && !_expired.ContainsKey(user)) _active[user] = id;
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task CheckThenRead_IsQuiet()
    {
        const string source = """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _sessions = new();

                public string? Find(string id) => _sessions.ContainsKey(id) ? _sessions[id] : null;

                public string Describe(string id)
                {
                    if (_sessions.TryGetValue(id, out var user)) return user;
                    return "anonymous";
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task ContainsKeyThenSet_OfAPlainValue_FixesToTryAdd()
    {
        await VerifyFix.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _sessions = new();

                public void Open(string id, string user)
                {
                    // First login wins.
                    if (!{|NZ3001:_sessions.ContainsKey(id)|})
                    {
                        _sessions[id] = user;
                    }
                }
            }
            """,
            """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _sessions = new();

                public void Open(string id, string user)
                {
                    // First login wins.
                    _sessions.TryAdd(id, user);
                }
            }
            """);
    }

    [Fact]
    public async Task ContainsKeyThenSet_OfAComputedValue_FixesToGetOrAddWithAFactory()
    {
        await VerifyFix.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _tokens = new();

                public void Issue(string user)
                {
                    if (!{|NZ3001:_tokens.ContainsKey(user)|}) _tokens[user] = System.Guid.NewGuid().ToString("N");
                }
            }
            """,
            """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _tokens = new();

                public void Issue(string user)
                {
                    _tokens.GetOrAdd(user, _ => System.Guid.NewGuid().ToString("N"));
                }
            }
            """);
    }

    [Fact]
    public async Task TryGetValueMiss_CreateAndStore_FixesToGetOrAdd()
    {
        await VerifyFix.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;
            using System.Threading;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();

                public SemaphoreSlim For(string id)
                {
                    if (!{|NZ3001:_gates.TryGetValue(id, out var gate)|})
                    {
                        gate = new SemaphoreSlim(1, 1);
                        _gates[id] = gate;
                    }

                    return gate;
                }
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Threading;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();

                public SemaphoreSlim For(string id)
                {
                    var gate = _gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));

                    return gate;
                }
            }
            """);
    }

    [Fact]
    public async Task LookupThenUpdateElseAdd_FixesToAddOrUpdate_AndFixAllFixesEveryOne()
    {
        await VerifyFix.VerifyCodeFixAsync(
            """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, int> _hits = new();
                private readonly ConcurrentDictionary<string, long> _bytes = new();

                public void Record(string page, long size)
                {
                    if ({|NZ3001:_hits.TryGetValue(page, out var hits)|})
                    {
                        _hits[page] = hits + 1;
                    }
                    else
                    {
                        _hits[page] = 1;
                    }

                    if (!{|NZ3001:_bytes.TryGetValue(page, out var total)|}) _bytes[page] = size;
                    else _bytes[page] = total + size;
                }
            }
            """,
            """
            using System.Collections.Concurrent;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, int> _hits = new();
                private readonly ConcurrentDictionary<string, long> _bytes = new();

                public void Record(string page, long size)
                {
                    _hits.AddOrUpdate(page, 1, (_, hits) => hits + 1);

                    _bytes.AddOrUpdate(page, size, (_, total) => total + size);
                }
            }
            """);
    }

    [Fact]
    public async Task AwaitedValue_OrDictionary_OrExtraStatements_GetNoFix()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public sealed class SessionCache
            {
                private readonly ConcurrentDictionary<string, string> _profiles = new();
                private static readonly Dictionary<string, string> Tenants = new();

                public async Task WarmAsync(string id, Task<string> load)
                {
                    if (!{|NZ3001:_profiles.ContainsKey(id)|}) _profiles[id] = await load;
                }

                public void Register(string host, string tenant)
                {
                    if (!{|NZ3001:Tenants.ContainsKey(host)|}) Tenants[host] = tenant;
                }

                public void Open(string id, string user)
                {
                    if (!{|NZ3001:_profiles.ContainsKey(id)|})
                    {
                        System.Console.WriteLine(id);
                        _profiles[id] = user;
                    }
                }
            }
            """;

        await VerifyFix.VerifyCodeFixAsync(source, source);
    }

    [Fact]
    public async Task DictionaryUnderKeyedLockForTheSameKey_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionCache
            {
                private readonly KeyedAsyncLock<string> _users = new();
                private readonly Dictionary<string, int> _logins = new();

                public async Task LoginAsync(string userId, CancellationToken ct)
                {
                    using (await _users.LockAsync(userId, ct))
                    {
                        if (!_logins.ContainsKey(userId)) _logins[userId] = 0;
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, Singleton);
    }

    [Fact]
    public async Task HostedServiceLoop_IsQuiet()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            public sealed class DigestWorker : BackgroundService
            {
                private readonly Dictionary<string, int> _digests = new();

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        if (!_digests.TryGetValue("daily", out var n)) _digests["daily"] = 1;
                        else _digests["daily"] = n + 1;
                        await Task.Delay(1000, stoppingToken);
                    }
                }
            }
            """;

        await Verify.VerifyAsync(source, string.Empty);
    }
}
