using Npgsql;

namespace Nuzantara.Backend.Infrastructure.Hooks;

/// <summary>Named points in the code where tests pause a flow to force an interleaving or inject a fault.</summary>
internal enum HookPoint
{
    /// <summary>A background memory save holds its user's save lock, before it writes.</summary>
    MemorySaveLocked,

    /// <summary>A memory write has written half of its facts, inside its transaction.</summary>
    MemoryWriteMidway,

    /// <summary>A memory reader holds its user's read lock.</summary>
    MemoryReadLocked,

    /// <summary>An ingestion has committed some chunks of its batch, none of them visible yet.</summary>
    IngestionBetweenChunks,

    /// <summary>A conversation save has written everything and is about to commit.</summary>
    ConversationSaveBeforeCommit,
}

/// <summary>What a hook sees: the key of the flow (a user, collection or idempotency key) and its open connection.</summary>
internal readonly record struct HookContext(string Key, NpgsqlConnection? Connection = null);

/// <summary>
/// Test hooks. Production registers <see cref="NoHooks"/>, whose calls complete synchronously and cost a virtual call.
/// </summary>
internal interface IBackendHooks
{
    ValueTask OnAsync(HookPoint point, HookContext context, CancellationToken cancellationToken);
}

internal sealed class NoHooks : IBackendHooks
{
    public ValueTask OnAsync(HookPoint point, HookContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
