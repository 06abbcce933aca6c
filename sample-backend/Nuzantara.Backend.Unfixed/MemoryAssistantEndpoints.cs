using System.Security.Claims;
using Nuzantara.Backend.Unfixed.Collections;
using Nuzantara.Backend.Unfixed.CollectiveMemory;
using Nuzantara.Backend.Unfixed.Conversations;
using Nuzantara.Backend.Unfixed.Infrastructure;
using Nuzantara.Backend.Unfixed.Memory;
using Nuzantara.Backend.Unfixed.Query;

namespace Nuzantara.Backend.Unfixed;

internal sealed record QueryRequest(string Question, Guid? CollectionId);

internal sealed record CreateCollectionRequest(string Name);

internal sealed record IngestRequest(IReadOnlyList<NewDocument> Documents);

internal sealed record SaveMessagesRequest(IReadOnlyList<ChatMessage> Messages);

internal sealed record ContributeRequest(string Statement);

internal static class MemoryAssistantEndpoints
{
    public static void MapMemoryAssistant(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").RequireAuthorization();

        // The schema is created by the first request that needs it.
        api.AddEndpointFilter(async (context, next) =>
        {
            var schema = context.HttpContext.RequestServices.GetRequiredService<SchemaInitializer>();
            await schema.EnsureCreatedAsync(context.HttpContext.RequestAborted);
            return await next(context);
        });

        // 1. Query, then the background memory save.
        api.MapPost("/query", (QueryRequest request, ClaimsPrincipal user, QueryService queries, CancellationToken cancellationToken)
            => queries.AnswerAsync(UserId(user), request.Question, request.CollectionId, cancellationToken));

        // 2. Memory orchestrator.
        api.MapGet("/memory/context", (ClaimsPrincipal user, MemoryOrchestrator memory, CancellationToken cancellationToken)
            => memory.GetUserContextAsync(UserId(user), cancellationToken));

        // 3. Collections.
        api.MapPost("/collections", (CreateCollectionRequest request, ClaimsPrincipal user, CollectionService collections, CancellationToken cancellationToken)
            => collections.CreateAsync(UserId(user), request.Name, cancellationToken));
        api.MapPost("/collections/{collectionId:guid}/documents", (Guid collectionId, IngestRequest request, ClaimsPrincipal user, CollectionService collections, CancellationToken cancellationToken)
            => collections.IngestAsync(UserId(user), collectionId, request.Documents, cancellationToken));
        api.MapGet("/collections/{collectionId:guid}/search", (Guid collectionId, string q, int? k, ClaimsPrincipal user, CollectionService collections, CancellationToken cancellationToken)
            => collections.SearchAsync(UserId(user), collectionId, q, k ?? 5, cancellationToken));

        // 4. Conversations.
        api.MapPost("/conversations/{sessionId}/messages", (string sessionId, SaveMessagesRequest request, ClaimsPrincipal user, ConversationService conversations, CancellationToken cancellationToken)
            => conversations.SaveAsync(UserId(user), sessionId, request.Messages, cancellationToken));
        api.MapGet("/conversations/{sessionId}", (string sessionId, ClaimsPrincipal user, ConversationService conversations, CancellationToken cancellationToken)
            => conversations.GetAsync(UserId(user), sessionId, cancellationToken));
        api.MapGet("/conversations", (ConversationService conversations) => conversations.RecentSessions());

        // 5. Collective memory.
        api.MapPost("/collective/facts", (ContributeRequest request, ClaimsPrincipal user, CollectiveMemoryService collective, CancellationToken cancellationToken)
            => collective.SupportAsync(UserId(user), request.Statement, cancellationToken));
    }

    private static string UserId(ClaimsPrincipal user)
        => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The token has no subject.");
}
