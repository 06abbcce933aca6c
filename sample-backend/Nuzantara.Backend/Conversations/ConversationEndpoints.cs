using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Infrastructure.Http;
using Nuzantara.Backend.Memory;

namespace Nuzantara.Backend.Conversations;

internal sealed record SaveMessagesRequest(IReadOnlyList<ChatMessage>? Messages);

internal sealed record SaveMessagesResponse(string SessionId, string Status, long Version, int MessageCount);

internal sealed record ConversationHistory(string SessionId, long Version, IReadOnlyList<StoredMessage> Messages);

internal static class ConversationEndpoints
{
    internal const string IdempotencyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapConversationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/conversations").WithTags("Conversations");
        group.MapGet("/", ListAsync);
        group.MapGet("/{sessionId}", GetAsync);
        group.MapPost("/{sessionId}/messages", SaveAsync);
        return group;
    }

    internal static bool IsValidId(string? id)
        => id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static async Task<Ok<IReadOnlyList<ConversationListItem>>> ListAsync(ClaimsPrincipal user, ConversationService conversations, CancellationToken cancellationToken)
        => TypedResults.Ok(await conversations.ListAsync(user.UserId(), cancellationToken));

    private static async Task<Results<Ok<ConversationHistory>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string sessionId, ClaimsPrincipal user, ConversationService conversations, CancellationToken cancellationToken)
    {
        if (!IsValidId(sessionId))
        {
            return Problems.Invalid("sessionId", "A session id is 1 to 64 letters, digits, '-' or '_'.");
        }

        var snapshot = await conversations.GetAsync(user.UserId(), sessionId, cancellationToken);
        return snapshot is null
            ? Problems.NotFound("conversation")
            : TypedResults.Ok(new ConversationHistory(sessionId, snapshot.Version, snapshot.Messages));
    }

    private static async Task<Results<Ok<SaveMessagesResponse>, Accepted<SaveMessagesResponse>, ValidationProblem>> SaveAsync(
        string sessionId,
        SaveMessagesRequest request,
        [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
        ClaimsPrincipal user,
        ConversationService conversations,
        IOptions<BackendOptions> options,
        CancellationToken cancellationToken)
    {
        var validation = MessageValidation.Validate(request.Messages, options.Value.Limits)
            .Require(IsValidId(sessionId), "sessionId", "A session id is 1 to 64 letters, digits, '-' or '_'.")
            .Require(idempotencyKey is { Length: > 0 and <= 128 }, IdempotencyHeader, $"An {IdempotencyHeader} header of 1 to 128 characters is required: retries with the same key are saved once.");
        if (!validation.IsValid)
        {
            return Problems.Invalid(validation.Errors);
        }

        var save = new ConversationSave(
            user.UserId(),
            sessionId,
            idempotencyKey!,
            [.. request.Messages!.Select(m => new StoredMessage(0, m.Role!, m.Content!))]);
        var result = await conversations.SaveAsync(save, cancellationToken);
        var body = new SaveMessagesResponse(sessionId, result.Status.ToString().ToLowerInvariant(), result.Version, result.MessageCount);
        return result.Status == SaveStatus.Queued ? TypedResults.Accepted($"/conversations/{sessionId}", body) : TypedResults.Ok(body);
    }
}
