using System.Net.Http.Json;
using Nuzantara.Backend.CollectiveMemory;
using Nuzantara.Backend.Tests.Infrastructure;

namespace Nuzantara.Backend.Tests;

/// <summary>Area 5: concurrent contributions and the one promotion.</summary>
public sealed class CollectiveMemoryTests
{
    /// <summary>
    /// Sends <paramref name="contributors"/> supports of one new fact at once, spread over <paramref name="hosts"/>,
    /// and checks the outcome: no error, exact count, one promotion event in the outbox, published after commit.
    /// </summary>
    internal static async Task ContributeAndAssertAsync(TestDatabase database, IReadOnlyList<BackendHost> hosts, int contributors)
    {
        var statement = $"The ferry to Nusa Penida leaves at dawn {Guid.NewGuid():N}";
        var clients = Enumerable.Range(0, contributors).Select(i => hosts[i % hosts.Count].Client($"user-{i:D3}")).ToArray();
        try
        {
            var answers = await Task.WhenAll(clients.Select(c => c.PostOkAsync("/collective/facts", new { statement }))).Within();

            // Serialized on the fact's row: every contribution saw a distinct count, 1 to N.
            Assert.Equal(Enumerable.Range(1, contributors), answers.Select(a => a.GetProperty("supportCount").GetInt32()).Order());
            Assert.Equal(contributors >= 3, answers.Any(a => a.GetProperty("promoted").GetBoolean()));
            var factId = Assert.Single(answers.Select(a => a.GetProperty("id").GetInt64()).Distinct());

            Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM collective_facts"));
            Assert.Equal(contributors, await database.ScalarAsync<int>("SELECT support_count FROM collective_facts WHERE id = $1", factId));
            Assert.Equal((long)contributors, await database.ScalarAsync<long>("SELECT count(DISTINCT user_id) FROM collective_fact_sources WHERE fact_id = $1", factId));
            var events = await database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE topic = $1 AND (payload ->> 'FactId')::bigint = $2", CollectiveMemoryService.PromotedTopic, factId);
            Assert.Equal(contributors >= 3 ? 1L : 0L, events);

            foreach (var host in hosts)
            {
                await host.SettleAsync();
            }

            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE published_at IS NULL"));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(50)]
    [InlineData(500)]
    public async Task ConcurrentContributors_ToAFactThatDoesNotExistYet_GetAnExactCount_AndOnePromotion(int contributors)
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        await ContributeAndAssertAsync(database, [host], contributors);
    }

    [Fact]
    public async Task RepeatedSupport_ByOneUser_CountsOnce_AndRefuteMovesTheStance()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var client = host.Client("oki");

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.PostOkAsync("/collective/facts", new { statement = "Rice grows in terraces." }))).Within();
        Assert.All(answers, a => Assert.Equal(1, a.GetProperty("supportCount").GetInt32()));
        var id = answers[0].GetProperty("id").GetInt64();

        var refuted = await client.PostOkAsync($"/collective/facts/{id}/refute", new { });
        Assert.Equal(0, refuted.GetProperty("supportCount").GetInt32());
        Assert.Equal(1, refuted.GetProperty("refuteCount").GetInt32());
        var list = await client.GetOkAsync("/collective/facts");
        Assert.Equal("refute", list[0].GetProperty("yourStance").GetString());
    }
}
