using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Infrastructure.Http;

namespace Nuzantara.Backend.CollectiveMemory;

internal sealed record ContributeRequest(string? Statement);

internal static class CollectiveEndpoints
{
    public static RouteGroupBuilder MapCollectiveEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/collective/facts").WithTags("Collective memory");
        group.MapPost("/", SupportAsync);
        group.MapPost("/{factId:long}/refute", RefuteAsync);
        group.MapGet("/", ListAsync);
        return group;
    }

    private static async Task<Results<Ok<CollectiveFact>, ValidationProblem>> SupportAsync(
        ContributeRequest request, ClaimsPrincipal user, CollectiveMemoryService collective, IOptions<BackendOptions> options, CancellationToken cancellationToken)
    {
        var limit = options.Value.Limits.MaxStatementChars;
        var statement = request.Statement?.Trim();
        if (statement is not { Length: >= 3 } || statement.Length > limit)
        {
            return Problems.Invalid("statement", $"A statement of 3 to {limit} characters is required.");
        }

        return TypedResults.Ok(await collective.SupportAsync(user.UserId(), statement, cancellationToken));
    }

    private static async Task<Results<Ok<CollectiveFact>, ProblemHttpResult>> RefuteAsync(
        long factId, ClaimsPrincipal user, CollectiveMemoryService collective, CancellationToken cancellationToken)
    {
        var fact = await collective.RefuteAsync(user.UserId(), factId, cancellationToken);
        return fact is null ? Problems.NotFound("fact") : TypedResults.Ok(fact);
    }

    private static async Task<Results<Ok<IReadOnlyList<CollectiveFact>>, ValidationProblem>> ListAsync(
        bool? promoted, int? limit, ClaimsPrincipal user, CollectiveMemoryService collective, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
        {
            return Problems.Invalid("limit", "The limit is between 1 and 500.");
        }

        return TypedResults.Ok(await collective.ListAsync(user.UserId(), promoted ?? false, limit ?? 100, cancellationToken));
    }
}
