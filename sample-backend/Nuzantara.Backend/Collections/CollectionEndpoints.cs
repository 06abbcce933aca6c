using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Infrastructure.Http;

namespace Nuzantara.Backend.Collections;

internal sealed record CreateCollectionRequest(string? Name);

internal sealed record IngestRequest(IReadOnlyList<NewDocument>? Documents);

internal static class CollectionEndpoints
{
    private const int MaxK = 50;

    public static RouteGroupBuilder MapCollectionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/collections").WithTags("Collections");
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapPost("/{collectionId:guid}/documents", IngestAsync);
        group.MapGet("/{collectionId:guid}/search", SearchAsync);
        return group;
    }

    private static async Task<Results<Created<CollectionSummary>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateCollectionRequest request, ClaimsPrincipal user, CollectionService collections, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (name is not { Length: > 0 and <= 100 })
        {
            return Problems.Invalid("name", "A name of 1 to 100 characters is required.");
        }

        var created = await collections.CreateAsync(user.UserId(), name, cancellationToken);
        return created is null
            ? Problems.Conflict($"You already have a collection named '{name}'.")
            : TypedResults.Created($"/collections/{created.Id}", created);
    }

    private static async Task<Ok<IReadOnlyList<CollectionSummary>>> ListAsync(ClaimsPrincipal user, CollectionService collections, CancellationToken cancellationToken)
        => TypedResults.Ok(await collections.ListAsync(user.UserId(), cancellationToken));

    private static async Task<Results<Ok<IngestResult>, ValidationProblem, ProblemHttpResult>> IngestAsync(
        Guid collectionId, IngestRequest request, ClaimsPrincipal user, CollectionService collections, IOptions<BackendOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        var validation = new Validation()
            .Require(request.Documents is { Count: > 0 }, "documents", "At least one document is required.")
            .Require(request.Documents is null || request.Documents.Count <= limits.MaxDocumentsPerIngest, "documents", $"At most {limits.MaxDocumentsPerIngest} documents per request.");
        for (var i = 0; request.Documents is not null && i < request.Documents.Count; i++)
        {
            var document = request.Documents[i];
            validation
                .Require(!string.IsNullOrWhiteSpace(document?.Text), $"documents[{i}].text", "The text is required.")
                .Require((document?.Text?.Length ?? 0) + (document?.Title?.Length ?? 0) <= limits.MaxDocumentChars, $"documents[{i}]", $"A document has at most {limits.MaxDocumentChars} characters.");
        }

        if (!validation.IsValid)
        {
            return Problems.Invalid(validation.Errors);
        }

        var (outcome, result) = await collections.IngestAsync(user.UserId(), collectionId, request.Documents!, cancellationToken);
        switch (outcome)
        {
            case IngestOutcome.NotFound:
                return Problems.NotFound("collection");
            case IngestOutcome.Busy:
                http.Response.Headers.RetryAfter = "1";
                return Problems.Conflict("Another ingestion of this collection is running; retry when it has finished.");
            default:
                return TypedResults.Ok(result!);
        }
    }

    private static async Task<Results<Ok<SearchResult>, ValidationProblem, ProblemHttpResult>> SearchAsync(
        Guid collectionId, string? q, int? k, ClaimsPrincipal user, CollectionService collections, IOptions<BackendOptions> options, CancellationToken cancellationToken)
    {
        var validation = new Validation()
            .Require(!string.IsNullOrWhiteSpace(q), "q", "A query is required.")
            .Require((q?.Length ?? 0) <= options.Value.Limits.MaxQuestionChars, "q", $"A query has at most {options.Value.Limits.MaxQuestionChars} characters.")
            .Require(k is null or (> 0 and <= MaxK), "k", $"k is between 1 and {MaxK}.");
        if (!validation.IsValid)
        {
            return Problems.Invalid(validation.Errors);
        }

        var result = await collections.SearchAsync(user.UserId(), collectionId, q!, k ?? 5, cancellationToken);
        return result is null ? Problems.NotFound("collection") : TypedResults.Ok(result);
    }
}
