using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Nuzantara.Backend.Collections;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Infrastructure.Http;
using Nuzantara.Backend.Infrastructure.Text;
using Nuzantara.Backend.Memory;

namespace Nuzantara.Backend.Query;

internal sealed record QueryRequest(string? Question, Guid? CollectionId);

internal sealed record QuerySource(int Version, int Ordinal, string Title, float Score);

internal sealed record MemorySaveStatus(Guid SaveId, string Status, int Facts);

internal sealed record QueryResponse(string Answer, IReadOnlyList<QuerySource> Sources, IReadOnlyList<string> RememberedFacts, MemorySaveStatus? MemorySave);

/// <summary>Area 1's endpoint: answer from the user's documents and memory, then save the memory in the background.</summary>
internal static class QueryEndpoints
{
    public static RouteHandlerBuilder MapQueryEndpoints(this IEndpointRouteBuilder app)
        => app.MapPost("/query", QueryAsync).WithTags("Query");

    private static async Task<Results<Ok<QueryResponse>, ValidationProblem, ProblemHttpResult>> QueryAsync(
        QueryRequest request,
        ClaimsPrincipal principal,
        CollectionService collections,
        MemoryOrchestrator memory,
        MemorySaveService saves,
        HashingEmbedder embedder,
        IOptions<BackendOptions> options,
        CancellationToken cancellationToken)
    {
        var limit = options.Value.Limits.MaxQuestionChars;
        var question = request.Question?.Trim();
        if (question is not { Length: > 0 } || question.Length > limit)
        {
            return Problems.Invalid("question", $"A question of 1 to {limit} characters is required.");
        }

        var userId = principal.UserId();
        SearchResult? retrieved = null;
        if (request.CollectionId is Guid collectionId)
        {
            retrieved = await collections.SearchAsync(userId, collectionId, question, k: 3, cancellationToken);
            if (retrieved is null)
            {
                return Problems.NotFound("collection");
            }
        }

        var context = await memory.GetUserContextAsync(userId, cancellationToken);
        var questionEmbedding = embedder.Embed(question);
        var remembered = context.Facts
            .Select(f => (f.Statement, Score: HashingEmbedder.Cosine(questionEmbedding, embedder.Embed(f.Statement))))
            .Where(f => f.Score > 0.2f)
            .OrderByDescending(f => f.Score)
            .Take(3)
            .Select(f => f.Statement)
            .ToArray();

        var answer = AnswerComposer.Compose(retrieved?.Hits ?? [], remembered);

        MemorySaveStatus? saveStatus = null;
        var facts = TextProcessing.ExtractFacts(question);
        if (facts.Count > 0)
        {
            var save = new MemorySave(Guid.NewGuid(), userId, facts);
            saveStatus = new MemorySaveStatus(save.SaveId, await saves.ScheduleAsync(save, cancellationToken), facts.Count);
        }

        var sources = (retrieved?.Hits ?? []).Select(h => new QuerySource(h.Version, h.Ordinal, h.Title, h.Score)).ToArray();
        return TypedResults.Ok(new QueryResponse(answer, sources, remembered, saveStatus));
    }
}

/// <summary>A deterministic local answer: the best sentence of each retrieved document, then what memory recalls.</summary>
internal static class AnswerComposer
{
    public static string Compose(IReadOnlyList<SearchHit> hits, IReadOnlyList<string> remembered)
    {
        var lines = new List<string>();
        for (var i = 0; i < hits.Count; i++)
        {
            if (hits[i].Score > 0 && hits[i].Snippet.Length > 0)
            {
                lines.Add($"{hits[i].Snippet} [{i + 1}: {hits[i].Title}]");
            }
        }

        if (remembered.Count > 0)
        {
            lines.Add("You told me: " + string.Join("; ", remembered) + ".");
        }

        return lines.Count == 0 ? "I have nothing on that yet." : string.Join('\n', lines);
    }
}
