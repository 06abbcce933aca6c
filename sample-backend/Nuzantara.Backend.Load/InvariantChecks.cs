using System.Diagnostics;
using Npgsql;

namespace Nuzantara.Backend.Load;

/// <summary>After the load: what the clients were told against what the database holds.</summary>
internal sealed class InvariantChecks(LoadRun run, NpgsqlDataSource database)
{
    private int _failures;

    public async Task<int> RunAsync()
    {
        await WaitForBackgroundWorkAsync();
        await CheckMemoryAsync();
        await CheckConversationsAsync();
        CheckSearches();
        await CheckCollectionsAsync();
        await CheckCollectiveAsync();
        return _failures;
    }

    private void Check(bool holds, string invariant)
    {
        Console.WriteLine($"  [{(holds ? "ok" : "FAIL")}] {invariant}");
        if (!holds)
        {
            _failures++;
        }
    }

    private async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        await using var command = database.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    // Background memory saves finish after their responses; this is a tool, so it may poll (bounded).
    private async Task WaitForBackgroundWorkAsync()
    {
        var expected = run.Users.Sum(u => u.MemorySaves.Count);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (await ScalarAsync("SELECT count(*) FROM memory_saves_applied") >= expected && await ScalarAsync("SELECT count(*) FROM retry_queue") == 0
                && await ScalarAsync("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0)
            {
                break;
            }

            await Task.Delay(200);
        }

        Console.WriteLine($"  background work settled in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private async Task CheckMemoryAsync()
    {
        var applied = 0;
        var consistent = 0;
        foreach (var user in run.Users)
        {
            applied += await ScalarAsync("SELECT count(*) FROM memory_saves_applied WHERE user_id = $1", user.Id) == user.MemorySaves.Count ? 1 : 0;
            var facts = await ScalarAsync("SELECT count(*) FROM memory_facts WHERE user_id = $1", user.Id);
            var mentions = user.MemorySaves.IsEmpty ? 0 : await ScalarAsync("SELECT sum(mentions) FROM memory_facts WHERE user_id = $1", user.Id);
            var profileFacts = user.MemorySaves.IsEmpty ? 0 : await ScalarAsync("SELECT fact_count FROM memory_profiles WHERE user_id = $1", user.Id);
            var processed = user.MemorySaves.IsEmpty ? 0 : await ScalarAsync("SELECT conversations_processed FROM memory_profiles WHERE user_id = $1", user.Id);
            consistent += facts == profileFacts && mentions == 2 * user.MemorySaves.Count && processed == user.MemorySaves.Count ? 1 : 0;
        }

        Check(applied == run.Users.Length, $"memory: every background save applied exactly once ({applied}/{run.Users.Length} users)");
        Check(consistent == run.Users.Length, $"memory: facts stored once, mentions and profile counters exact ({consistent}/{run.Users.Length} users)");
    }

    private async Task CheckConversationsAsync()
    {
        var sessions = 0;
        var good = 0;
        foreach (var user in run.Users)
        {
            foreach (var session in user.SavedKeys.Select(k => k[..k.IndexOf('|', StringComparison.Ordinal)]).Distinct())
            {
                sessions++;
                var saves = user.SavedKeys.Where(k => k.StartsWith(session + "|", StringComparison.Ordinal)).Distinct().Count();
                var count = await ScalarAsync("SELECT message_count FROM conversations WHERE user_id = $1 AND session_id = $2", user.Id, session);
                var rows = await ScalarAsync("SELECT count(*) FROM conversation_messages WHERE user_id = $1 AND session_id = $2", user.Id, session);
                var maxSeq = await ScalarAsync("SELECT coalesce(max(seq), 0) FROM conversation_messages WHERE user_id = $1 AND session_id = $2", user.Id, session);
                good += count == 2 * saves && rows == count && maxSeq == count ? 1 : 0;
            }
        }

        Check(good == sessions, $"conversations: messages = 2 x distinct saves, contiguous, retries not duplicated ({good}/{sessions} sessions)");
    }

    private void CheckSearches()
    {
        var whole = run.SearchesSeen.Count(s => run.Versions.TryGetValue((s.Collection, s.Version), out var count) && count == s.Count);
        Check(whole == run.SearchesSeen.Count, $"collections: every search saw a whole version ({whole}/{run.SearchesSeen.Count} searches)");
    }

    private async Task CheckCollectionsAsync()
    {
        var mismatched = await ScalarAsync("""
            SELECT count(*) FROM collections c
            WHERE c.document_count <> (SELECT count(*) FROM documents d WHERE d.collection_id = c.id AND d.version <= c.current_version)
            """);
        Check(mismatched == 0, "collections: document_count equals the visible documents of every collection");
    }

    private async Task CheckCollectiveAsync()
    {
        var good = 0;
        foreach (var statement in LoadRun.SharedFacts)
        {
            var supporters = run.Users.Count(u => u.SupportedStatements.Contains(statement));
            if (supporters == 0)
            {
                good++;
                continue;
            }

            var count = await ScalarAsync("SELECT support_count FROM collective_facts WHERE statement = $1", statement);
            var sources = await ScalarAsync("SELECT count(*) FROM collective_fact_sources s JOIN collective_facts f ON f.id = s.fact_id WHERE f.statement = $1", statement);
            var events = await ScalarAsync("SELECT count(*) FROM outbox o JOIN collective_facts f ON (o.payload ->> 'FactId')::bigint = f.id WHERE f.statement = $1", statement);
            good += count == supporters && sources == supporters && events == (supporters >= 3 ? 1 : 0) ? 1 : 0;
        }

        Check(good == LoadRun.SharedFacts.Length, $"collective: exact distinct supporters and one promotion event per promoted fact ({good}/{LoadRun.SharedFacts.Length} facts)");
        Check(await ScalarAsync("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0, "collective: every promotion event published after commit");
    }
}
