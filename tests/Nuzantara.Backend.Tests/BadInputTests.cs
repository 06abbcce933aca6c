using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Nuzantara.Backend.Tests.Infrastructure;

namespace Nuzantara.Backend.Tests;

/// <summary>Bad input gets a clear 4xx with a problem-details body, and nothing is written.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private BackendHost _host = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _host = await BackendHost.StartAsync(_database, new Dictionary<string, string?>
        {
            ["Backend:Limits:MaxRequestBodyBytes"] = "8192",
            ["Backend:Limits:MaxMessageChars"] = "100",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task AssertNothingWrittenAsync()
    {
        foreach (var table in new[] { "conversations", "conversation_messages", "memory_facts", "documents", "collective_facts", "retry_queue", "outbox" })
        {
            Assert.Equal(0L, await _database.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        }
    }

    private static HttpRequestMessage Post(string path, string body, string contentType = "application/json", string? idempotencyKey = "k")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    [Theory]
    [InlineData("/conversations/s1/messages", "{\"messages\": [")]
    [InlineData("/query", "{question: 'x'}")]
    [InlineData("/collective/facts", "not json at all")]
    [InlineData("/memory/conversations", "{\"messages\": \"should be a list\"}")]
    public async Task MalformedJson_Is400_WithAProblem(string path, string body)
    {
        using var client = _host.Client("sam");
        using var request = Post(path, body);
        using var response = await client.SendAsync(request);
        var problem = await Api.ExpectProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task BodyOverTheConfiguredLimit_Is413_WithAProblem()
    {
        using var client = _host.Client("sam");
        var huge = new string('x', 9000);
        using var request = Post("/conversations/s1/messages", $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"{huge}\"}}]}}");
        using var response = await client.SendAsync(request);
        var problem = await Api.ExpectProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("8192", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task MessageOverTheConfiguredLimit_Is400_NamingTheField()
    {
        using var client = _host.Client("sam");
        using var response = await client.SaveMessagesAsync("s1", "k1", ("user", "ok"), ("user", new string('y', 101)));
        var problem = await Api.ExpectProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("messages[1].content", out _), problem.ToString());
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task MissingIdempotencyKey_UnknownRole_AndBadSessionId_Are400()
    {
        using var client = _host.Client("sam");
        using (var request = Post("/conversations/s1/messages", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", idempotencyKey: null))
        using (var response = await client.SendAsync(request))
        {
            var problem = await Api.ExpectProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        }

        using (var response = await client.SaveMessagesAsync("s1", "k", ("wizard", "hi")))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.BadRequest);
        }

        using (var response = await client.SaveMessagesAsync("bad%20id!", "k", ("user", "hi")))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.BadRequest);
        }

        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task WrongContentType_Is415_WithAProblem()
    {
        using var client = _host.Client("sam");
        using var request = Post("/collective/facts", "statement=hello", "application/x-www-form-urlencoded");
        using var response = await client.SendAsync(request);
        await Api.ExpectProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task UnknownSession_AndUnknownIds_Are404()
    {
        using var client = _host.Client("sam");
        using (var response = await client.GetAsync(new Uri("/conversations/never-saved", UriKind.Relative)))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.NotFound);
        }

        using (var response = await client.GetAsync(new Uri($"/collections/{Guid.NewGuid()}/search?q=x", UriKind.Relative)))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.NotFound);
        }

        using (var response = await client.PostAsJsonAsync("/collective/facts/987654/refute", new { }, Api.Json))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.NotFound);
        }

        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-jwt")]
    [InlineData("wrong-key")]
    [InlineData("expired")]
    public async Task MissingOrInvalidToken_Is401_WithAProblem(string? token)
    {
        using var client = _host.Client(null);
        var bearer = token switch
        {
            "wrong-key" => new Nuzantara.Backend.Infrastructure.Auth.TokenIssuer(new() { SigningKey = "another-key-of-sufficient-length-0123456789" }).Mint("sam"),
            "expired" => _host.Tokens.Mint("sam", TimeSpan.FromMinutes(-10)),
            _ => token,
        };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using (var response = await client.GetAsync(new Uri("/memory/context", UriKind.Relative)))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        using (var response = await client.SaveMessagesAsync("s1", "k", ("user", "hi")))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task AnotherUsersCollection_Is404_ForSearchAndIngest_AndNothingIsWritten()
    {
        using var owner = _host.Client("tia");
        using var intruder = _host.Client("uma");
        var id = await SearchDuringIngestionTests.CreateCollectionAsync(owner, "mine");

        using (var response = await intruder.GetAsync(new Uri($"/collections/{id}/search?q=anything", UriKind.Relative)))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.NotFound);
        }

        using (var response = await intruder.PostAsJsonAsync($"/collections/{id}/documents", new { documents = new[] { new { title = "t", text = "planted" } } }, Api.Json))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.NotFound);
        }

        using (var response = await intruder.PostAsJsonAsync("/query", new { question = "What is in it?", collectionId = id }, Api.Json))
        {
            await Api.ExpectProblemAsync(response, HttpStatusCode.NotFound);
        }

        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM documents"));
        Assert.Empty((await intruder.GetOkAsync("/collections")).EnumerateArray());
    }
}
