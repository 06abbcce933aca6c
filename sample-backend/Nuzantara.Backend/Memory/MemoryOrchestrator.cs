using System.Data;
using Microsoft.Extensions.Options;
using Npgsql;
using Nuzantara.Backend.Infrastructure.Database;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Backend.Infrastructure.Text;
using Nuzantara.Concurrency;
using Nuzantara.Concurrency.Postgres;

namespace Nuzantara.Backend.Memory;

/// <summary>A user's memory as one consistent snapshot.</summary>
internal sealed record UserContext(
    string UserId,
    long Version,
    int ConversationsProcessed,
    int FactCount,
    string Summary,
    IReadOnlyList<MemoryFact> Facts,
    long PendingSaves);

internal sealed record MemoryFact(string Statement, int Mentions);

internal sealed record MemoryWriteResult(bool Applied, int FactsAdded, long Version);

/// <summary>
/// Area 2, the memory orchestrator: <see cref="GetUserContextAsync"/> and <see cref="ProcessConversationAsync"/> per
/// user with reader-writer semantics.
/// </summary>
/// <remarks>
/// <para><b>In this instance</b> a <see cref="KeyedAsyncReaderWriterLock{TKey}"/> per user: readers of one user run
/// together; a writer runs alone and, with writer preference, a reader that arrives while a write is pending or
/// running waits for it and then sees its result (read-your-writes), instead of an older snapshot.</para>
/// <para><b>Across instances</b> writers of one user take a transaction-scoped advisory lock
/// (<see cref="PostgresKeyedAsyncLock{TKey}.AcquireTransactionLockAsync(NpgsqlTransaction, TKey, CancellationToken)"/>),
/// so a write's read-modify-write of the profile is never interleaved with another instance's; and a reader reads
/// the profile and the facts in one REPEATABLE READ snapshot, so it sees another instance's write wholly or not at
/// all. Facts are deduplicated by their primary key with <c>ON CONFLICT</c>; counters move by atomic
/// <c>SET n = n + 1</c>.</para>
/// </remarks>
internal sealed class MemoryOrchestrator
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly IBackendHooks _hooks;
    private readonly KeyedAsyncReaderWriterLock<string> _users;
    private readonly PostgresKeyedAsyncLock<string> _writersAcrossInstances;

    public MemoryOrchestrator(NpgsqlDataSource dataSource, IBackendHooks hooks, IOptions<BackendOptions> options)
    {
        _dataSource = dataSource;
        _hooks = hooks;
        var timeout = options.Value.Locks.MemoryOrchestrator;
        _users = new KeyedAsyncReaderWriterLock<string>(
            new LockOptions { Name = LockNamesOf.MemoryOrchestrator, DefaultTimeout = timeout },
            StringComparer.Ordinal);
        _writersAcrossInstances = new PostgresKeyedAsyncLock<string>(
            dataSource,
            new PostgresLockOptions { Name = LockNamesOf.MemoryOrchestrator + "-db", KeySpace = KeySpaces.MemoryWriters, DefaultTimeout = timeout });
    }

    /// <summary>The user's memory, never a half-written fact set.</summary>
    /// <exception cref="LockTimeoutException">A writer of this user held the lock past the timeout.</exception>
    public async Task<UserContext> GetUserContextAsync(string userId, CancellationToken cancellationToken)
    {
        using (await _users.ReadLockAsync(userId, cancellationToken))
        {
            await _hooks.OnAsync(HookPoint.MemoryReadLocked, new HookContext(userId), cancellationToken);
            return await ReadSnapshotAsync(userId, cancellationToken);
        }
    }

    /// <summary>
    /// Adds the facts of one conversation to the user's memory, once per <paramref name="saveId"/>: a repeated save id
    /// changes nothing and reports <see cref="MemoryWriteResult.Applied"/> false.
    /// </summary>
    /// <exception cref="LockTimeoutException">The user's memory stayed locked past the timeout.</exception>
    public async Task<MemoryWriteResult> ProcessConversationAsync(string userId, Guid saveId, IReadOnlyList<string> facts, CancellationToken cancellationToken)
    {
        // Sorted by key: two writers that ever overlap (say, after a lock timeout elsewhere) lock rows in one order.
        var keyed = facts
            .Select(f => (Key: TextProcessing.FactKey(f), Statement: TextProcessing.NormalizeStatement(f)))
            .DistinctBy(f => f.Key)
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .ToArray();

        using (await _users.WriteLockAsync(userId, cancellationToken))
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await _writersAcrossInstances.AcquireTransactionLockAsync(transaction, userId, cancellationToken);

            if (!await MarkAppliedAsync(connection, transaction, userId, saveId, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return new MemoryWriteResult(Applied: false, FactsAdded: 0, Version: -1);
            }

            var half = keyed.Length / 2;
            var added = await UpsertFactsAsync(connection, transaction, userId, keyed[..half], cancellationToken);
            await _hooks.OnAsync(HookPoint.MemoryWriteMidway, new HookContext(userId, connection), cancellationToken);
            added += await UpsertFactsAsync(connection, transaction, userId, keyed[half..], cancellationToken);

            var summary = await SummarizeAsync(connection, transaction, userId, cancellationToken);
            long version;
            await using (var profile = new NpgsqlCommand(MemorySql.UpsertProfile, connection, transaction))
            {
                profile.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
                profile.Parameters.Add(new NpgsqlParameter<int> { TypedValue = added });
                profile.Parameters.Add(new NpgsqlParameter<string> { TypedValue = summary });
                await using var reader = await profile.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                version = reader.GetInt64(0);
            }

            await transaction.CommitAsync(cancellationToken);
            return new MemoryWriteResult(Applied: true, FactsAdded: added, Version: version);
        }
    }

    private static async Task<bool> MarkAppliedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, Guid saveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(MemorySql.MarkApplied, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = saveId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<int> UpsertFactsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, (string Key, string Statement)[] facts, CancellationToken cancellationToken)
    {
        if (facts.Length == 0)
        {
            return 0;
        }

        await using var command = new NpgsqlCommand(MemorySql.UpsertFacts, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. facts.Select(f => f.Key)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. facts.Select(f => f.Statement)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var inserted = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetBoolean(0))
            {
                inserted++;
            }
        }

        return inserted;
    }

    // The summary is read-modify-write over the user's facts: correct only because writers of one user are
    // serialized (in-process lock here, advisory lock across instances).
    private static async Task<string> SummarizeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(MemorySql.TopStatements, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var top = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            top.Add(reader.GetString(0));
        }

        return string.Join("; ", top);
    }

    private async Task<UserContext> ReadSnapshotAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

        int processed = 0, factCount = 0;
        var summary = string.Empty;
        long version = 0;
        await using (var profile = new NpgsqlCommand(MemorySql.ReadProfile, connection, transaction))
        {
            profile.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            await using var reader = await profile.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                processed = reader.GetInt32(0);
                factCount = reader.GetInt32(1);
                summary = reader.GetString(2);
                version = reader.GetInt64(3);
            }
        }

        var facts = new List<MemoryFact>();
        await using (var read = new NpgsqlCommand(MemorySql.ReadFacts, connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                facts.Add(new MemoryFact(reader.GetString(0), reader.GetInt32(1)));
            }
        }

        long pending;
        await using (var queued = new NpgsqlCommand(MemorySql.PendingSaves, connection, transaction))
        {
            queued.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            pending = (long)(await queued.ExecuteScalarAsync(cancellationToken))!;
        }

        await transaction.CommitAsync(cancellationToken);
        return new UserContext(userId, version, processed, factCount, summary, facts, pending);
    }
}
