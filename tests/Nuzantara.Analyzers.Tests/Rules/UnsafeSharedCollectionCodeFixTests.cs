using Verify = Nuzantara.Analyzers.Tests.Verifiers.SharedStateFixVerifier<
    Nuzantara.Analyzers.Rules.UnsafeSharedCollectionAnalyzer,
    Nuzantara.Analyzers.Rules.UnsafeSharedCollectionCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class UnsafeSharedCollectionCodeFixTests
{
    [Fact]
    public async Task DictionaryCacheInSingleton_WithOneToOneUses_BecomesAConcurrentDictionary()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed record Profile(string UserId, string DisplayName);

            public interface IProfileStore
            {
                Task<Profile> LoadAsync(string userId, CancellationToken cancellationToken);
            }

            public sealed class ProfileCache(IProfileStore store)
            {
                private readonly Dictionary<string, Profile> _profiles = new(System.StringComparer.Ordinal);

                public async Task<Profile> GetAsync(string userId, CancellationToken cancellationToken)
                {
                    if (_profiles.TryGetValue(userId, out var cached))
                    {
                        return cached;
                    }

                    var profile = await store.LoadAsync(userId, cancellationToken);
                    {|NZ2003:_profiles[userId] = profile|};
                    return profile;
                }

                public void Invalidate(string userId) => {|NZ2003:_profiles.Remove(userId)|};

                public int Count => _profiles.Count;
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed record Profile(string UserId, string DisplayName);

            public interface IProfileStore
            {
                Task<Profile> LoadAsync(string userId, CancellationToken cancellationToken);
            }

            public sealed class ProfileCache(IProfileStore store)
            {
                private readonly ConcurrentDictionary<string, Profile> _profiles = new(System.StringComparer.Ordinal);

                public async Task<Profile> GetAsync(string userId, CancellationToken cancellationToken)
                {
                    if (_profiles.TryGetValue(userId, out var cached))
                    {
                        return cached;
                    }

                    var profile = await store.LoadAsync(userId, cancellationToken);
                    _profiles[userId] = profile;
                    return profile;
                }

                public void Invalidate(string userId) => _profiles.TryRemove(userId, out _);

                public int Count => _profiles.Count;
            }
            """,
            Verify.Program("AddSingleton<ProfileCache>()"));
    }

    [Fact]
    public async Task DictionaryWithAdd_IsNotSwitched_ButGuarded()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionRegistry
            {
                private readonly Dictionary<string, string> _sessions = new();

                public async Task OpenAsync(string sessionId, string userId, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2003:_sessions.Add(sessionId, userId)|};
                }
            }
            """,
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class SessionRegistry
            {
                private readonly Dictionary<string, string> _sessions = new();
                private readonly AsyncLock _gate = new();

                public async Task OpenAsync(string sessionId, string userId, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _sessions.Add(sessionId, userId);
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<SessionRegistry>()"));
    }

    [Fact]
    public async Task Dictionary_KeyedByTheMethodsParameter_GetsNoKeyedGuard_BecauseOtherKeysStillRace()
    {
        const string Source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class SessionRegistry
            {
                private readonly Dictionary<string, string> _sessions = new();

                public async Task OpenAsync(string sessionId, string userId, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2003:_sessions.Add(sessionId, userId)|};
                }
            }
            """;

        await Verify.VerifyAsync(Source, Source, Verify.Program("AddSingleton<SessionRegistry>()"), equivalenceKey: "NZ2003.GuardKeyed");
    }

    [Fact]
    public async Task QueueUsedThroughEnqueueAndTryDequeue_BecomesAConcurrentQueue()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public sealed class OutboxBuffer
            {
                private readonly Queue<string> _pending = new Queue<string>();

                public async Task AddAsync(string message)
                {
                    await Task.Yield();
                    {|NZ2003:_pending.Enqueue(message)|};
                }

                public bool TryTake(out string? message) => {|NZ2003:_pending.TryDequeue(out message)|};

                public int Backlog => _pending.Count;
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public sealed class OutboxBuffer
            {
                private readonly ConcurrentQueue<string> _pending = new ConcurrentQueue<string>();

                public async Task AddAsync(string message)
                {
                    await Task.Yield();
                    _pending.Enqueue(message);
                }

                public bool TryTake(out string? message) => _pending.TryDequeue(out message);

                public int Backlog => _pending.Count;
            }
            """,
            Verify.Program("AddSingleton<OutboxBuffer>()"));
    }

    [Fact]
    public async Task QueueDrainedWithDequeue_HasNoConcurrentTwin_AndIsGuarded()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RetryQueue
            {
                private readonly Queue<string> _retries = new();

                public async Task ScheduleAsync(string job, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2003:_retries.Enqueue(job)|};
                }

                public async Task<string?> NextAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    return _retries.Count > 0 ? {|NZ2003:_retries.Dequeue()|} : null;
                }
            }
            """,
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class RetryQueue
            {
                private readonly Queue<string> _retries = new();
                private readonly AsyncLock _gate = new();

                public async Task ScheduleAsync(string job, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _retries.Enqueue(job);
                    }
                }

                public async Task<string?> NextAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        return _retries.Count > 0 ? _retries.Dequeue() : null;
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<RetryQueue>()"));
    }

    [Fact]
    public async Task ListMutatedInTwoMethods_IsGuardedWithOneLock_AndTheCheckJoinsTheGuard()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RecentQueries
            {
                private readonly List<string> _recent = new();

                public async Task RecordAsync(string query, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2003:_recent.Add(query)|};
                    if (_recent.Count > 100)
                    {
                        {|NZ2003:_recent.RemoveAt(0)|};
                    }
                }

                public async Task ClearAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    {|NZ2003:_recent.Clear()|};
                }
            }
            """,
            """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class RecentQueries
            {
                private readonly List<string> _recent = new();
                private readonly AsyncLock _gate = new();

                public async Task RecordAsync(string query, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _recent.Add(query);
                        if (_recent.Count > 100)
                        {
                            _recent.RemoveAt(0);
                        }
                    }
                }

                public async Task ClearAsync(CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    using (await _gate.LockAsync(cancellationToken))
                    {
                        _recent.Clear();
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<RecentQueries>()"));
    }

    [Fact]
    public async Task ReadOutsideTheLockThatGuardsEveryMutation_IsGuardedWithThatLock()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;

            public sealed class FeatureFlags
            {
                private readonly object _sync = new();
                private readonly HashSet<string> _enabled = new();

                public void Enable(string flag)
                {
                    lock (_sync)
                    {
                        _enabled.Add(flag);
                    }
                }

                public bool IsEnabled(string flag) => {|NZ2003:_enabled.Contains(flag)|};
            }
            """,
            """
            using System.Collections.Generic;

            public sealed class FeatureFlags
            {
                private readonly object _sync = new();
                private readonly HashSet<string> _enabled = new();

                public void Enable(string flag)
                {
                    lock (_sync)
                    {
                        _enabled.Add(flag);
                    }
                }

                public bool IsEnabled(string flag)
                {
                    lock (_sync)
                    {
                        return _enabled.Contains(flag);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task DictionaryEnumeratedAndQueriedWithLinq_StillMapsOneToOne()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;

            public sealed class Leaderboard
            {
                private readonly Dictionary<string, int> _scores = new();

                public async Task RecordAsync(string playerId, Task<int> score)
                {
                    {|NZ2003:_scores[playerId] = await score|};
                }

                public int Total()
                {
                    var total = 0;
                    foreach (var entry in _scores)
                    {
                        total += entry.Value;
                    }

                    return total;
                }

                public string[] Top(int count) => _scores.OrderByDescending(e => e.Value).Take(count).Select(e => e.Key).ToArray();

                public int ScoreOf(string playerId) => _scores.GetValueOrDefault(playerId);

                public IReadOnlyDictionary<string, int> Snapshot() => Copy(_scores);

                private static Dictionary<string, int> Copy(IReadOnlyDictionary<string, int> scores) => scores.ToDictionary(e => e.Key, e => e.Value);
            }
            """,
            """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;

            public sealed class Leaderboard
            {
                private readonly ConcurrentDictionary<string, int> _scores = new();

                public async Task RecordAsync(string playerId, Task<int> score)
                {
                    _scores[playerId] = await score;
                }

                public int Total()
                {
                    var total = 0;
                    foreach (var entry in _scores)
                    {
                        total += entry.Value;
                    }

                    return total;
                }

                public string[] Top(int count) => _scores.OrderByDescending(e => e.Value).Take(count).Select(e => e.Key).ToArray();

                public int ScoreOf(string playerId) => _scores.GetValueOrDefault(playerId);

                public IReadOnlyDictionary<string, int> Snapshot() => Copy(_scores);

                private static Dictionary<string, int> Copy(IReadOnlyDictionary<string, int> scores) => scores.ToDictionary(e => e.Key, e => e.Value);
            }
            """,
            Verify.Program("AddSingleton<Leaderboard>()"));
    }

    [Fact]
    public async Task DictionaryCounterIncrementedInPlace_IsNotSwitched_BecauseThatStaysARace()
    {
        const string Source = """
            using System.Collections.Generic;
            using System.Threading.Tasks;

            public sealed class ClickCounter
            {
                private readonly Dictionary<string, int> _clicks = new();

                public async Task ClickAsync(string linkId, Task log)
                {
                    await log;
                    {|NZ2003:_clicks[linkId]++|};
                }
            }
            """;

        await Verify.VerifyAsync(Source, Source, Verify.Program("AddSingleton<ClickCounter>()"), equivalenceKey: "NZ2003.Concurrent");
    }

    [Fact]
    public async Task CollectionGuardedByAnAttribute_IsGuardedWithTheLockItNames()
    {
        await Verify.VerifyAsync(
            """
            using System.Collections.Generic;
            using Nuzantara.Concurrency;

            public sealed class Subscriptions
            {
                private readonly object _topicsLock = new();

                [GuardedBy(nameof(_topicsLock))]
                private readonly List<string> _topics = new();

                public void Subscribe(string topic) => {|NZ2003:_topics.Add(topic)|};
            }
            """,
            """
            using System.Collections.Generic;
            using Nuzantara.Concurrency;

            public sealed class Subscriptions
            {
                private readonly object _topicsLock = new();

                [GuardedBy(nameof(_topicsLock))]
                private readonly List<string> _topics = new();

                public void Subscribe(string topic)
                {
                    lock (_topicsLock)
                    {
                        _topics.Add(topic);
                    }
                }
            }
            """,
            Verify.Program("AddSingleton<Subscriptions>()"));
    }
}
