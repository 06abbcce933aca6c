using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Nuzantara.Backend.Collections;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Tests.Infrastructure;

namespace Nuzantara.Backend.Tests;

/// <summary>Area 3: searches during an ingestion.</summary>
public sealed class SearchDuringIngestionTests
{
    private static object Batch(string topic, int count, int offset = 0) => new
    {
        documents = Enumerable.Range(offset, count).Select(i => new
        {
            title = $"{topic} {i}",
            text = $"Document {i} is about {topic}. The harbour of Makassar opens at {i % 24} o'clock. Spice trade note {i}.",
        }),
    };

    internal static async Task<Guid> CreateCollectionAsync(HttpClient client, string name)
    {
        var created = await client.PostOkAsync("/collections", new { name }, HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }

    private static void AssertWhole(JsonElement result, params (int Version, int Count)[] allowed)
    {
        var version = result.GetProperty("version").GetInt32();
        var count = result.GetProperty("documentCount").GetInt32();
        Assert.Contains((version, count), allowed);
        Assert.All(result.GetProperty("hits").EnumerateArray(), hit => Assert.True(hit.GetProperty("version").GetInt32() <= version));
    }

    [Fact]
    public async Task TwentySearches_DuringTheIngestionOfAThousandDocuments_AllSucceed_SeeWholeVersions_AndDoNotWait()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var client = host.Client("ida");
        var id = await CreateCollectionAsync(client, "harbour");
        await client.PostOkAsync($"/collections/{id}/documents", Batch("ships", 100));

        // The ingestion stops after its first chunk of 250 documents: committed, but not yet visible.
        var midBatch = host.Hooks.PauseOnce(HookPoint.IngestionBetweenChunks);
        var ingestion = client.PostOkAsync($"/collections/{id}/documents", Batch("spices", 1000, offset: 100));
        await midBatch.Reached.Within();
        Assert.Equal(250L, await database.ScalarAsync<long>("SELECT count(*) FROM documents WHERE collection_id = $1 AND version = 2", id));

        // Twenty searches complete while the ingestion is held: they are not serialized behind it.
        var during = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.GetOkAsync($"/collections/{id}/search?q=spice+trade+note+{i}&k=5"))).Within();
        Assert.False(ingestion.IsCompleted);
        Assert.All(during, r => AssertWhole(r, (1, 100)));

        // Twenty more race the rest of the batch and its flip: each sees the collection wholly before or after.
        midBatch.Release();
        var racing = Enumerable.Range(0, 20).Select(i => client.GetOkAsync($"/collections/{id}/search?q=harbour+{i}&k=5")).ToArray();
        var ingested = await ingestion.Within();
        Assert.Equal(2, ingested.GetProperty("version").GetInt32());
        Assert.Equal(1100, ingested.GetProperty("documentCount").GetInt32());
        Assert.All(await Task.WhenAll(racing).Within(), r => AssertWhole(r, (1, 100), (2, 1100)));

        var after = await client.GetOkAsync($"/collections/{id}/search?q=spice+trade+note+777&k=3");
        AssertWhole(after, (2, 1100));
        Assert.StartsWith("spices ", after.GetProperty("hits")[0].GetProperty("title").GetString(), StringComparison.Ordinal);

        // The ingestion invalidated the cache: nothing of version 1 is left in it.
        Assert.Equal(2, host.Get<CollectionIndexCache>().CachedVersion(id));
    }

    [Fact]
    public async Task SecondIngestion_OfOneCollection_WaitsItsTimeout_ThenGets409_InThisAndAnotherInstance()
    {
        await using var database = await TestDatabase.CreateAsync();
        var settings = new Dictionary<string, string?> { ["Backend:Locks:CollectionIngest"] = "00:00:00.300", ["Backend:Collections:IngestChunkSize"] = "10" };
        await using var host = await BackendHost.StartAsync(database, settings);
        await using var other = await BackendHost.StartAsync(database, settings);
        using var client = host.Client("jon");
        var id = await CreateCollectionAsync(client, "docs");

        var held = host.Hooks.PauseOnce(HookPoint.IngestionBetweenChunks);
        var first = client.PostOkAsync($"/collections/{id}/documents", Batch("first", 30));
        await held.Reached.Within();

        foreach (var instance in new[] { host, other })
        {
            using var response = await instance.Client("jon").PostAsJsonAsync($"/collections/{id}/documents", Batch("second", 5), Api.Json);
            var problem = await Api.ExpectProblemAsync(response, HttpStatusCode.Conflict);
            Assert.Contains("ingestion", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(response.Headers.RetryAfter is not null);
            Assert.Equal(1, instance.Metrics.Total("nuzantara.backend.lock.timeouts", ("lock.name", "collection-ingest"), ("outcome", "rejected")));
        }

        held.Release();
        var done = await first.Within();
        Assert.Equal(1, done.GetProperty("version").GetInt32());
        Assert.Equal(30L, await database.ScalarAsync<long>("SELECT count(*) FROM documents WHERE collection_id = $1", id));

        // The lock is free again, across instances.
        var next = await other.Client("jon").PostOkAsync($"/collections/{id}/documents", Batch("third", 5));
        Assert.Equal(2, next.GetProperty("version").GetInt32());
        Assert.Equal(35, next.GetProperty("documentCount").GetInt32());
    }
}
