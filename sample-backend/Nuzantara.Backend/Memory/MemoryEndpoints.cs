using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Infrastructure.Http;
using Nuzantara.Backend.Infrastructure.Text;

namespace Nuzantara.Backend.Memory;

internal sealed record ChatMessage(string? Role, string? Content);

internal sealed record ProcessConversationRequest(Guid? SaveId, IReadOnlyList<ChatMessage>? Messages);

internal sealed record ProcessConversationResponse(Guid SaveId, bool Applied, int FactsAdded, long Version);

internal static class MemoryEndpoints
{
    public static RouteGroupBuilder MapMemoryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/memory").WithTags("Memory");
        group.MapGet("/context", GetContextAsync);
        group.MapPost("/conversations", ProcessConversationAsync);
        return group;
    }

    private static async Task<Ok<UserContext>> GetContextAsync(ClaimsPrincipal user, MemoryOrchestrator memory, CancellationToken cancellationToken)
        => TypedResults.Ok(await memory.GetUserContextAsync(user.UserId(), cancellationToken));

    private static async Task<Results<Ok<ProcessConversationResponse>, ValidationProblem>> ProcessConversationAsync(
        ProcessConversationRequest request, ClaimsPrincipal user, MemoryOrchestrator memory, IOptions<BackendOptions> options, CancellationToken cancellationToken)
    {
        var validation = MessageValidation.Validate(request.Messages, options.Value.Limits);
        if (!validation.IsValid)
        {
            return Problems.Invalid(validation.Errors);
        }

        var facts = TextProcessing.ExtractFacts(string.Join('\n', request.Messages!.Where(m => m.Role == "user").Select(m => m.Content)));
        var saveId = request.SaveId ?? Guid.NewGuid();
        var result = await memory.ProcessConversationAsync(user.UserId(), saveId, facts, cancellationToken);
        return TypedResults.Ok(new ProcessConversationResponse(saveId, result.Applied, result.FactsAdded, result.Version));
    }
}

/// <summary>The checks every list of chat messages passes, whichever area receives it.</summary>
internal static class MessageValidation
{
    private static readonly string[] Roles = ["user", "assistant", "system"];

    public static Validation Validate(IReadOnlyList<ChatMessage>? messages, LimitOptions limits)
    {
        var validation = new Validation();
        validation.Require(messages is { Count: > 0 }, "messages", "At least one message is required.");
        if (messages is null)
        {
            return validation;
        }

        validation.Require(messages.Count <= limits.MaxMessagesPerSave, "messages", $"At most {limits.MaxMessagesPerSave} messages per request.");
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            validation
                .Require(message is not null, $"messages[{i}]", "A message is required.")
                .Require(message?.Role is not null && Roles.Contains(message.Role), $"messages[{i}].role", "The role is one of user, assistant, system.")
                .Require(!string.IsNullOrWhiteSpace(message?.Content), $"messages[{i}].content", "The content is required.")
                .Require((message?.Content?.Length ?? 0) <= limits.MaxMessageChars, $"messages[{i}].content", $"A message has at most {limits.MaxMessageChars} characters.");
        }

        return validation;
    }
}
