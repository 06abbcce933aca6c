using Npgsql;
using Microsoft.Extensions.Options;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Backend.Infrastructure.Outbox;
using Nuzantara.Backend.Infrastructure.Text;

namespace Nuzantara.Backend.CollectiveMemory;

internal sealed record CollectiveFact(long Id, string Statement, int SupportCount, int RefuteCount, bool Promoted, string? YourStance);

internal sealed record FactPromoted(long FactId, string Statement, int SupportCount);

/// <summary>
/// Area 5: collective memory. Users support or refute facts; a fact is promoted once
/// <see cref="BackendOptions.PromotionThreshold"/> distinct users support it.
/// </summary>
/// <remarks>
/// One transaction per contribution: <c>INSERT … ON CONFLICT DO NOTHING</c> creates the fact if it does not exist
/// (a row lock cannot lock a row that is not there yet), then <c>SELECT … FOR UPDATE</c> queues every contribution
/// to that fact, from every instance, on its row. Under that lock the stance is upserted (one per user), the counts
/// are recounted exactly, and the promotion is decided once; the <c>fact_promoted</c> event goes into the outbox in
/// the same transaction, and the publisher sends it after commit. Concurrent first contributors therefore get the
/// exact count, one promotion event, and no error.
/// </remarks>
internal sealed class CollectiveMemoryService(NpgsqlDataSource dataSource, OutboxPublisher publisher, BackendMetrics metrics, IOptions<BackendOptions> options)
{
    internal const string PromotedTopic = "collective.fact_promoted";

    private readonly int _threshold = options.Value.PromotionThreshold;

    public Task<CollectiveFact> SupportAsync(string userId, string statement, CancellationToken cancellationToken)
        => ContributeAsync(userId, statement, factId: null, "support", cancellationToken)!;

    /// <summary>Records the user's refutation; null when no fact has that id.</summary>
    public Task<CollectiveFact?> RefuteAsync(string userId, long factId, CancellationToken cancellationToken)
        => ContributeAsync(userId, statement: null, factId, "refute", cancellationToken);

    public async Task<IReadOnlyList<CollectiveFact>> ListAsync(string userId, bool promotedOnly, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CollectiveSql.List);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = promotedOnly });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var facts = new List<CollectiveFact>();
        while (await reader.ReadAsync(cancellationToken))
        {
            facts.Add(new CollectiveFact(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return facts;
    }

    private async Task<CollectiveFact?> ContributeAsync(string userId, string? statement, long? factId, string stance, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        NpgsqlCommand lockFact;
        if (statement is not null)
        {
            var normalized = TextProcessing.NormalizeStatement(statement);
            var hash = TextProcessing.FactKey(normalized);
            await using (var ensure = new NpgsqlCommand(CollectiveSql.EnsureFact, connection, transaction))
            {
                ensure.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
                ensure.Parameters.Add(new NpgsqlParameter<string> { TypedValue = normalized });
                await ensure.ExecuteNonQueryAsync(cancellationToken);
            }

            lockFact = new NpgsqlCommand(CollectiveSql.LockFactByHash, connection, transaction);
            lockFact.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
        }
        else
        {
            lockFact = new NpgsqlCommand(CollectiveSql.LockFactById, connection, transaction);
            lockFact.Parameters.Add(new NpgsqlParameter<long> { TypedValue = factId!.Value });
        }

        long id;
        bool wasPromoted;
        await using (lockFact)
        await using (var reader = await lockFact.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            (id, wasPromoted) = (reader.GetInt64(0), reader.GetBoolean(1));
        }

        await using (var upsert = new NpgsqlCommand(CollectiveSql.UpsertStance, connection, transaction))
        {
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stance });
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        CollectiveFact fact;
        await using (var recount = new NpgsqlCommand(CollectiveSql.Recount, connection, transaction))
        {
            recount.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            recount.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _threshold });
            await using var reader = await recount.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            fact = new CollectiveFact(id, reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetBoolean(3), stance);
        }

        var promotedNow = fact.Promoted && !wasPromoted;
        if (promotedNow)
        {
            await OutboxWriter.AddAsync(connection, transaction, PromotedTopic, new FactPromoted(id, fact.Statement, fact.SupportCount), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        if (promotedNow)
        {
            metrics.Promotion();
            publisher.Notify();
        }

        return fact;
    }
}
