using System.Net;
using Nuzantara.Backend.Tests.Infrastructure;

namespace Nuzantara.Backend.Tests;

/// <summary>Two instances of the backend on one database, with the traffic split between them.</summary>
public sealed class MultiInstanceTests
{
    [Fact]
    public async Task TwoInstances_MemorySaves_KeepEveryInvariant()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = await BackendHost.StartAsync(database);
        await using var second = await BackendHost.StartAsync(database);
        BackendHost[] hosts = [first, second];
        var clients = hosts.Select(h => h.Client("pia")).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => clients[i % 2].PostOkAsync("/query", new { question = MemorySaveTests.Question(i) }))).Within();
        await Task.WhenAll(hosts.Select(h => h.SettleAsync())).Within();

        await MemorySaveTests.AssertFiftySavesAsync(database, "pia");
        foreach (var client in clients)
        {
            var context = await client.GetOkAsync("/memory/context");
            Assert.Equal(61, context.GetProperty("factCount").GetInt32());
            Assert.Equal(61, context.GetProperty("facts").GetArrayLength());
            client.Dispose();
        }
    }

    [Fact]
    public async Task TwoInstances_ConversationSaves_KeepEveryInvariant()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = await BackendHost.StartAsync(database);
        await using var second = await BackendHost.StartAsync(database);
        BackendHost[] hosts = [first, second];
        var clients = hosts.Select(h => h.Client("quin")).ToArray();

        // Both caches hold the session before the concurrent saves, so each instance must also see the other's writes.
        await Api.ExpectAsync(await clients[0].SaveMessagesAsync("shared", "k-start", ("user", "start")), HttpStatusCode.OK);
        await clients[1].GetOkAsync("/conversations/shared");

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => clients[i % 2].SaveMessagesAsync("shared", $"k-{i}", ("user", $"q{i}"), ("assistant", $"a{i}")))).Within();
        foreach (var response in responses)
        {
            await Api.ExpectAsync(response, HttpStatusCode.OK);
        }

        // A client retry that lands on the other instance is still a duplicate.
        var retry = await Api.ExpectAsync(await clients[1].SaveMessagesAsync("shared", "k-0", ("user", "q0"), ("assistant", "a0")), HttpStatusCode.OK);
        Assert.Equal("duplicate", retry.GetProperty("status").GetString());

        await ConversationTests.AssertContiguousAsync(database, "quin", "shared", 61, 31);
        for (var i = 0; i < hosts.Length; i++)
        {
            var history = await clients[i].GetOkAsync("/conversations/shared");
            Assert.Equal(61, history.GetProperty("messages").GetArrayLength());
            await ConversationTests.AssertCacheEqualsDatabaseAsync(hosts[i], database, "quin", "shared");
            clients[i].Dispose();
        }
    }

    [Fact]
    public async Task TwoInstances_CollectiveContributions_GiveAnExactCountAndOnePromotion()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = await BackendHost.StartAsync(database);
        await using var second = await BackendHost.StartAsync(database);
        await CollectiveMemoryTests.ContributeAndAssertAsync(database, [first, second], 60);
    }

    [Fact]
    public async Task TwoInstances_StartingTogether_MigrateOnce()
    {
        await using var database = await TestDatabase.CreateAsync();
        var starting = await Task.WhenAll(BackendHost.StartAsync(database), BackendHost.StartAsync(database)).Within();
        try
        {
            Assert.Equal(
                Nuzantara.Backend.Infrastructure.Database.DatabaseMigrator.Embedded.Select(m => m.Version),
                await database.ColumnAsync<int>("SELECT version FROM schema_migrations ORDER BY version"));
        }
        finally
        {
            foreach (var host in starting)
            {
                await host.DisposeAsync();
            }
        }
    }
}
