using System.Data;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Nuzantara.Backend.Infrastructure.Database;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Backend.Infrastructure.RetryQueue;

namespace Nuzantara.Backend.Conversations;

/// <summary>One save request: messages appended to a session under an idempotency key.</summary>
internal sealed record ConversationSave(string UserId, string SessionId, string IdempotencyKey, IReadOnlyList<StoredMessage> Messages);

internal enum SaveStatus
{
    /// <summary>Committed now.</summary>
    Saved,

    /// <summary>This idempotency key was saved before; nothing changed.</summary>
    Duplicate,

    /// <summary>The database failed mid-save; the save is in the durable retry queue and will complete.</summary>
    Queued,
}

internal sealed record SaveResult(SaveStatus Status, long Version, int MessageCount);

internal sealed record ConversationListItem(string SessionId, int MessageCount, long Version, DateTime UpdatedAt);

/// <summary>What one reconciliation pass found and repaired.</summary>
internal sealed record ReconcileReport(int Checked, int Stale, int Inconsistent);

/// <summary>
/// Area 4: conversation saves with the database as the source of truth and a cache kept consistent with it.
/// </summary>
/// <remarks>
/// <para>A save is one transaction: lock (or create) the conversation row with an upsert, record the idempotency key
/// (<c>ON CONFLICT DO NOTHING</c>: a retry of a committed save changes nothing), append, advance the version. The row
/// lock serializes saves of one session across instances; message numbers are contiguous and never reused.</para>
/// <para>The cache is touched only after commit (<see cref="ConversationCache.Committed"/>). If the database fails
/// mid-save, the request puts the save in the durable retry queue and answers 202; the retry worker completes it
/// with the same idempotency key and refreshes the cache. <see cref="ReconcileAsync"/> (run periodically by
/// <see cref="ConversationCacheReconciler"/>) compares every cached entry with the database and repairs it.</para>
/// </remarks>
internal sealed partial class ConversationService(
    NpgsqlDataSource dataSource,
    ConversationCache cache,
    RetryQueue queue,
    IBackendHooks hooks,
    BackendMetrics metrics,
    ILogger<ConversationService> logger) : IRetryHandler
{
    private const string CacheName = "conversation";

    public string Kind => RetryKinds.ConversationSave;

    /// <summary>Saves now, or queues the save durably when the database fails mid-way.</summary>
    /// <exception cref="NpgsqlException">The database failed and the save could not be queued either: the client retries.</exception>
    public async Task<SaveResult> SaveAsync(ConversationSave save, CancellationToken cancellationToken)
    {
        try
        {
            return await SaveCoreAsync(save, cancellationToken);
        }
        catch (Exception exception) when (DatabaseErrors.IsRetryable(exception))
        {
            // The commit may or may not have happened; the idempotency key makes the retry safe either way.
            LogQueued(exception);
            await queue.EnqueueAsync(QueueId(save), Kind, save, CancellationToken.None);
            return new SaveResult(SaveStatus.Queued, -1, -1);
        }
    }

    /// <summary>The retry worker's path: the same idempotent save, then the cache brought in line.</summary>
    public async Task HandleAsync(RetryItem item, CancellationToken cancellationToken)
    {
        var save = JsonSerializer.Deserialize<ConversationSave>(item.Payload)
            ?? throw new InvalidOperationException("An empty conversation save in the retry queue.");
        await SaveCoreAsync(save, cancellationToken);
        await RefreshCachedAsync(save.UserId, save.SessionId, cancellationToken);
    }

    /// <summary>The session's history, from the cache when the cached version is the database's.</summary>
    public async Task<ConversationSnapshot?> GetAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ConversationSql.Version);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        if (await command.ExecuteScalarAsync(cancellationToken) is not long version)
        {
            cache.Remove(userId, sessionId);
            return null;
        }

        if (cache.Get(userId, sessionId) is { } cached && cached.Version == version)
        {
            return cached;
        }

        var loaded = await LoadAsync(userId, sessionId, cancellationToken);
        if (loaded is not null)
        {
            cache.Offer(loaded);
        }

        return loaded;
    }

    public async Task<IReadOnlyList<ConversationListItem>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ConversationSql.List);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<ConversationListItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ConversationListItem(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetDateTime(3)));
        }

        return items;
    }

    /// <summary>
    /// Compares every cached entry with the database (version, message count and a digest of the messages) and
    /// repairs those that differ: an entry behind the database is reloaded (another instance wrote, or a commit's
    /// outcome was unknown); one that disagrees at the same version, or is ahead, is an inconsistency, counted and
    /// evicted.
    /// </summary>
    public async Task<ReconcileReport> ReconcileAsync(CancellationToken cancellationToken)
    {
        var entries = cache.Entries();
        int stale = 0, inconsistent = 0;
        foreach (var batch in entries.Chunk(500))
        {
            await using var command = dataSource.CreateCommand(ConversationSql.Fingerprints);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(e => e.UserId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(e => e.SessionId)] });
            var database = new Dictionary<(string, string), (long? Version, int? Count, string? Digest)>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    database[(reader.GetString(0), reader.GetString(1))] = (
                        reader.IsDBNull(2) ? null : reader.GetInt64(2),
                        reader.IsDBNull(3) ? null : reader.GetInt32(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4));
                }
            }

            foreach (var entry in batch)
            {
                var (version, count, digest) = database.GetValueOrDefault((entry.UserId, entry.SessionId));
                if (version == entry.Version && count == entry.Messages.Count && digest == entry.Fingerprint())
                {
                    continue;
                }

                if (version is long behind && behind > entry.Version)
                {
                    stale++;
                    metrics.CacheReconciled(CacheName, "stale");
                    await RefreshCachedAsync(entry.UserId, entry.SessionId, cancellationToken);
                    continue;
                }

                inconsistent++;
                metrics.CacheInconsistency(CacheName);
                LogInconsistent(entry.Version, version);
                if (cache.Evict(entry))
                {
                    metrics.CacheReconciled(CacheName, "evicted");
                }
            }
        }

        return new ReconcileReport(entries.Count, stale, inconsistent);
    }

    internal static Guid QueueId(ConversationSave save)
        => new(SHA256.HashData(Encoding.UTF8.GetBytes($"{RetryKinds.ConversationSave}\n{save.UserId}\n{save.SessionId}\n{save.IdempotencyKey}")).AsSpan(0, 16));

    private async Task<SaveResult> SaveCoreAsync(ConversationSave save, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        int count;
        long version;
        await using (var lockRow = new NpgsqlCommand(ConversationSql.LockConversation, connection, transaction))
        {
            AddKey(lockRow, save);
            await using var reader = await lockRow.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (count, version) = (reader.GetInt32(0), reader.GetInt64(1));
        }

        await using (var record = new NpgsqlCommand(ConversationSql.RecordSave, connection, transaction))
        {
            AddKey(record, save);
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = save.IdempotencyKey });
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count + 1 });
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = save.Messages.Count });
            record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version + 1 });
            if (await record.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                return new SaveResult(SaveStatus.Duplicate, version, count);
            }
        }

        var appended = save.Messages.Select((m, i) => m with { Seq = count + 1 + i }).ToArray();
        await using (var insert = new NpgsqlCommand(ConversationSql.InsertMessages, connection, transaction))
        {
            AddKey(insert, save);
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. appended.Select(m => m.Seq)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. appended.Select(m => m.Role)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. appended.Select(m => m.Content)] });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var advance = new NpgsqlCommand(ConversationSql.Advance, connection, transaction))
        {
            AddKey(advance, save);
            advance.Parameters.Add(new NpgsqlParameter<int> { TypedValue = appended.Length });
            await using var reader = await advance.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (count, version) = (reader.GetInt32(0), reader.GetInt64(1));
        }

        await hooks.OnAsync(HookPoint.ConversationSaveBeforeCommit, new HookContext(save.IdempotencyKey, connection), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        cache.Committed(save.UserId, save.SessionId, version, appended);
        return new SaveResult(SaveStatus.Saved, version, count);
    }

    private async Task RefreshCachedAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        if (cache.Get(userId, sessionId) is null)
        {
            return;
        }

        if (await LoadAsync(userId, sessionId, cancellationToken) is { } loaded)
        {
            cache.Offer(loaded);
        }
        else
        {
            cache.Remove(userId, sessionId);
        }
    }

    private async Task<ConversationSnapshot?> LoadAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        long version;
        await using (var conversation = new NpgsqlCommand(ConversationSql.LoadConversation, connection, transaction))
        {
            conversation.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            conversation.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
            if (await conversation.ExecuteScalarAsync(cancellationToken) is not long found)
            {
                return null;
            }

            version = found;
        }

        var messages = new List<StoredMessage>();
        await using (var read = new NpgsqlCommand(ConversationSql.LoadMessages, connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messages.Add(new StoredMessage(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new ConversationSnapshot(userId, sessionId, version, messages);
    }

    private static void AddKey(NpgsqlCommand command, ConversationSave save)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = save.UserId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = save.SessionId });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation save failed mid-way; queued for retry")]
    private partial void LogQueued(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Conversation cache entry at version {CachedVersion} disagrees with the database (version {DatabaseVersion}); evicted")]
    private partial void LogInconsistent(long cachedVersion, long? databaseVersion);
}

/// <summary>The repair path: reconciles the conversation cache with the database on an interval.</summary>
internal sealed partial class ConversationCacheReconciler(
    ConversationService conversations,
    Microsoft.Extensions.Options.IOptions<BackendOptions> options,
    ILogger<ConversationCacheReconciler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Workers.ReconcileInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var report = await conversations.ReconcileAsync(stoppingToken);
                    if (report.Stale + report.Inconsistent > 0)
                    {
                        LogRepaired(report.Checked, report.Stale, report.Inconsistent);
                    }
                }
                catch (Exception exception) when (DatabaseErrors.IsRetryable(exception))
                {
                    LogPassFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciled {Checked} cached conversations: {Stale} stale reloaded, {Inconsistent} inconsistent evicted")]
    private partial void LogRepaired(int @checked, int stale, int inconsistent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation cache reconciliation failed; next pass will retry")]
    private partial void LogPassFailed(Exception exception);
}
