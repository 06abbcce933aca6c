using System.Net;
using System.Text.Json;
using Nuzantara.Backend.Conversations;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Tests.Infrastructure;

namespace Nuzantara.Backend.Tests;

/// <summary>Area 4: conversation saves, the cache and the database.</summary>
public sealed class ConversationTests
{
    internal static async Task<List<(int Seq, string Role, string Content)>> DatabaseMessagesAsync(TestDatabase database, string userId, string sessionId)
    {
        await using var command = database.DataSource.CreateCommand("SELECT seq, role, content FROM conversation_messages WHERE user_id = $1 AND session_id = $2 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        await using var reader = await command.ExecuteReaderAsync();
        var messages = new List<(int, string, string)>();
        while (await reader.ReadAsync())
        {
            messages.Add((reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        }

        return messages;
    }

    /// <summary>The cache entry of the session holds exactly the database's messages and version.</summary>
    internal static async Task AssertCacheEqualsDatabaseAsync(BackendHost host, TestDatabase database, string userId, string sessionId)
    {
        var cached = host.Get<ConversationCache>().Get(userId, sessionId);
        Assert.NotNull(cached);
        Assert.Equal(await database.ScalarAsync<long>("SELECT version FROM conversations WHERE user_id = $1 AND session_id = $2", userId, sessionId), cached.Version);
        Assert.Equal(await DatabaseMessagesAsync(database, userId, sessionId), cached.Messages.Select(m => (m.Seq, m.Role, m.Content)).ToList());
        var report = await host.Get<ConversationService>().ReconcileAsync(CancellationToken.None);
        Assert.Equal(0, report.Inconsistent);
        Assert.Equal(0, report.Stale);
    }

    internal static async Task AssertContiguousAsync(TestDatabase database, string userId, string sessionId, int expectedMessages, long expectedVersion)
    {
        var seqs = await database.ColumnAsync<int>("SELECT seq FROM conversation_messages WHERE user_id = $1 AND session_id = $2 ORDER BY seq", userId, sessionId);
        Assert.Equal(Enumerable.Range(1, expectedMessages), seqs);
        Assert.Equal(expectedMessages, await database.ScalarAsync<int>("SELECT message_count FROM conversations WHERE user_id = $1 AND session_id = $2", userId, sessionId));
        Assert.Equal(expectedVersion, await database.ScalarAsync<long>("SELECT version FROM conversations WHERE user_id = $1 AND session_id = $2", userId, sessionId));
    }

    [Fact]
    public async Task ConcurrentSaves_OfOneSession_LeaveTheCacheEqualToTheDatabase()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var client = host.Client("kai");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.SaveMessagesAsync("s1", $"key-{i}", ("user", $"question {i}"), ("assistant", $"answer {i}")))).Within();
        foreach (var response in responses)
        {
            Assert.Equal("saved", (await Api.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        await AssertContiguousAsync(database, "kai", "s1", 40, 20);

        // Saves that commit out of order drop the cached entry rather than ever cache a stale one (the next read
        // reloads it), so the entry may be absent here; a read must then serve, and cache, exactly the database.
        var history = await client.GetOkAsync("/conversations/s1");
        Assert.Equal(40, history.GetProperty("messages").GetArrayLength());
        Assert.Equal(20, history.GetProperty("version").GetInt64());
        await AssertCacheEqualsDatabaseAsync(host, database, "kai", "s1");
    }

    [Fact]
    public async Task RetriedSave_WithTheSameIdempotencyKey_DoesNotDuplicate()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var client = host.Client("lia");

        var first = await Api.ExpectAsync(await client.SaveMessagesAsync("s1", "same-key", ("user", "hello")), HttpStatusCode.OK);
        Assert.Equal("saved", first.GetProperty("status").GetString());
        var retries = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.SaveMessagesAsync("s1", "same-key", ("user", "hello")))).Within();
        foreach (var retry in retries)
        {
            Assert.Equal("duplicate", (await Api.ExpectAsync(retry, HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        await AssertContiguousAsync(database, "lia", "s1", 1, 1);
        await AssertCacheEqualsDatabaseAsync(host, database, "lia", "s1");
    }

    [Fact]
    public async Task ConnectionKilledMidSave_TheRetryPathCompletesTheSave_AndTheCacheIsReconciled()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database, new Dictionary<string, string?> { ["Backend:Workers:RetryInBackground"] = "false" });
        using var client = host.Client("mia");
        await Api.ExpectAsync(await client.SaveMessagesAsync("s1", "k1", ("user", "first"), ("assistant", "one")), HttpStatusCode.OK);
        await client.GetOkAsync("/conversations/s1");

        // The save of k2 has written everything; its session is killed before it commits.
        host.Hooks.On(HookPoint.ConversationSaveBeforeCommit, async (context, _) =>
        {
            if (context.Key == "k2")
            {
                host.Hooks.Clear(HookPoint.ConversationSaveBeforeCommit);
                await database.TerminateAsync(context.Connection!.ProcessID);
            }
        });
        var killed = await Api.ExpectAsync(await client.SaveMessagesAsync("s1", "k2", ("user", "second"), ("assistant", "two")), HttpStatusCode.Accepted);
        Assert.Equal("queued", killed.GetProperty("status").GetString());

        // Nothing of k2 committed, and the cache was not touched by the failed save.
        Assert.Equal(1L, host.Get<ConversationCache>().Get("mia", "s1")!.Version);

        await host.SettleAsync();
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM retry_queue"));
        await AssertContiguousAsync(database, "mia", "s1", 4, 2);
        Assert.Equal(["first", "one", "second", "two"], (await DatabaseMessagesAsync(database, "mia", "s1")).Select(m => m.Content));
        await AssertCacheEqualsDatabaseAsync(host, database, "mia", "s1");
        Assert.Equal(1, host.Metrics.Total("nuzantara.backend.retry.processed", ("kind", "conversation_save"), ("outcome", "succeeded")));

        // A client retry of k2 after all that is a duplicate.
        var again = await Api.ExpectAsync(await client.SaveMessagesAsync("s1", "k2", ("user", "second"), ("assistant", "two")), HttpStatusCode.OK);
        Assert.Equal("duplicate", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnotherUser_CannotReadOrTouchASession()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var alice = host.Client("alice");
        using var bob = host.Client("bob");
        await Api.ExpectAsync(await alice.SaveMessagesAsync("private-1", "k", ("user", "my secret")), HttpStatusCode.OK);

        using (var response = await bob.GetAsync(new Uri("/conversations/private-1", UriKind.Relative)))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.NotFound);
        }

        Assert.Equal(0, (await bob.GetOkAsync("/conversations")).GetArrayLength());

        // Bob's save under the same session id is Bob's own conversation; Alice's is untouched.
        await Api.ExpectAsync(await bob.SaveMessagesAsync("private-1", "k", ("user", "bob here")), HttpStatusCode.OK);
        var aliceHistory = await alice.GetOkAsync("/conversations/private-1");
        Assert.Equal(["my secret"], aliceHistory.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        var bobHistory = await bob.GetOkAsync("/conversations/private-1");
        Assert.Equal(["bob here"], bobHistory.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Reconciler_FindsACorruptedCacheEntry_CountsIt_AndRepairsIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var client = host.Client("ned");
        await Api.ExpectAsync(await client.SaveMessagesAsync("s1", "k1", ("user", "true words")), HttpStatusCode.OK);
        var cache = host.Get<ConversationCache>();
        cache.Overwrite(new ConversationSnapshot("ned", "s1", 1, [new StoredMessage(1, "user", "false words")]));

        var report = await host.Get<ConversationService>().ReconcileAsync(CancellationToken.None);
        Assert.Equal(1, report.Inconsistent);
        Assert.Null(cache.Get("ned", "s1"));
        Assert.Equal(1, host.Metrics.Total("nuzantara.backend.cache.inconsistencies", ("cache", "conversation")));

        var history = await client.GetOkAsync("/conversations/s1");
        Assert.Equal("true words", history.GetProperty("messages")[0].GetProperty("content").GetString());
        await AssertCacheEqualsDatabaseAsync(host, database, "ned", "s1");
    }
}
