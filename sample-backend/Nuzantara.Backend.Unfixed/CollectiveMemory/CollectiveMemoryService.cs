using Npgsql;
using Nuzantara.Backend.Unfixed.Infrastructure;

namespace Nuzantara.Backend.Unfixed.CollectiveMemory;

internal sealed record CollectiveFact(long Id, string Statement, int SupportCount, bool Promoted);

/// <summary>What this instance knows about a fact between requests.</summary>
internal sealed class FactState(long id)
{
    public long Id { get; } = id;

    public int SupportCount { get; set; }

    public bool IsPromoted { get; set; }
}

/// <summary>
/// Area 5, as first designed: users support facts; a fact is promoted, and a <see cref="FactPromoted"/> event
/// published, once three users support it.
/// </summary>
internal sealed class CollectiveMemoryService(NpgsqlDataSource dataSource, IEventBus events)
{
    private const int PromotionThreshold = 3;
    private const string LockFact = "SELECT id FROM collective_facts WHERE fact_hash = $1 FOR UPDATE";
    private const string CreateFact = "INSERT INTO collective_facts (fact_hash, statement) VALUES ($1, $2) RETURNING id";
    private const string AddSource = """
        INSERT INTO collective_fact_sources (fact_id, user_id) VALUES ($1, $2)
        ON CONFLICT (fact_id, user_id) DO NOTHING
        """;
    private const string Recount = """
        UPDATE collective_facts SET support_count = (SELECT count(*) FROM collective_fact_sources WHERE fact_id = $1)
        WHERE id = $1
        RETURNING support_count
        """;
    private const string MarkPromoted = "UPDATE collective_facts SET promoted = true WHERE id = $1";

    // Race (NZ2003): a Dictionary shared by every request, read and written by concurrent contributions.
    private readonly Dictionary<long, FactState> _facts = [];
    private int _promotions;

    /// <summary>Promotions since start-up, for the status page.</summary>
    public int Promotions => _promotions;

    public async Task<CollectiveFact> SupportAsync(string userId, string statement, CancellationToken cancellationToken)
    {
        var hash = Text.FactKey(statement);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Race (NZ3004): FOR UPDATE locks rows that exist. For a new fact there is no row yet, so concurrent first
        // contributors all find nothing and all insert: the fact exists several times, each with part of the support.
        long? id;
        await using (var find = new NpgsqlCommand(LockFact, connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
            id = await find.ExecuteScalarAsync(cancellationToken) as long?;
        }

        if (id is null)
        {
            await using var create = new NpgsqlCommand(CreateFact, connection, transaction);
            create.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
            create.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement });
            id = (long)(await create.ExecuteScalarAsync(cancellationToken))!;
        }

        await using (var source = new NpgsqlCommand(AddSource, connection, transaction))
        {
            source.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id.Value });
            source.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            await source.ExecuteNonQueryAsync(cancellationToken);
        }

        int supportCount;
        await using (var recount = new NpgsqlCommand(Recount, connection, transaction))
        {
            recount.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id.Value });
            supportCount = (int)(await recount.ExecuteScalarAsync(cancellationToken))!;
        }

        if (!_facts.TryGetValue(id.Value, out var fact))
        {
            fact = new FactState(id.Value);
            _facts[id.Value] = fact;
        }

        fact.SupportCount = supportCount;

        // Race (NZ3002): the flag is checked, then set after awaited writes. Two contributors that both see three
        // supporters both pass the check, and both promote and publish.
        if (fact.SupportCount >= PromotionThreshold && !fact.IsPromoted)
        {
            await using (var promote = new NpgsqlCommand(MarkPromoted, connection, transaction))
            {
                promote.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id.Value });
                await promote.ExecuteNonQueryAsync(cancellationToken);
            }

            // Race (NZ4001): published inside the transaction, before the commit. If the commit fails the world has
            // heard of a promotion that never happened; a consumer reading at once may not find it yet.
            await events.PublishAsync(new FactPromoted(id.Value, statement, supportCount), cancellationToken);
            fact.IsPromoted = true;

            // Race (NZ2001): incremented by concurrent requests without a lock.
            _promotions++;
        }

        await transaction.CommitAsync(cancellationToken);
        return new CollectiveFact(id.Value, statement, fact.SupportCount, fact.IsPromoted);
    }
}
