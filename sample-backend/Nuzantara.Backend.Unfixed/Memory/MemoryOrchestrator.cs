using Npgsql;
using Nuzantara.Backend.Unfixed.Infrastructure;

namespace Nuzantara.Backend.Unfixed.Memory;

internal sealed record ChatMessage(string Role, string Content);

internal sealed record UserContext(string UserId, IReadOnlyList<string> Facts);

/// <summary>
/// Area 2, as first designed: <see cref="GetUserContextAsync"/> and <see cref="ProcessConversationAsync"/> per user,
/// with a "read semaphore" that lets ten readers in at once and a "write semaphore" for the writer.
/// </summary>
internal sealed class MemoryOrchestrator(NpgsqlDataSource dataSource) : IDisposable
{
    private const string FindFact = "SELECT mentions FROM memory_facts WHERE user_id = $1 AND fact_hash = $2";
    private const string SetMentions = "UPDATE memory_facts SET mentions = $3 WHERE user_id = $1 AND fact_hash = $2";
    private const string InsertFact = "INSERT INTO memory_facts (user_id, fact_hash, statement) VALUES ($1, $2, $3)";
    private const string ReadFacts = "SELECT statement FROM memory_facts WHERE user_id = $1 ORDER BY mentions DESC, statement";
    private const string SaveProfile = """
        INSERT INTO memory_profiles (user_id, conversations_processed, fact_count, version) VALUES ($1, 1, $2, 1)
        ON CONFLICT (user_id) DO UPDATE SET
            conversations_processed = memory_profiles.conversations_processed + 1,
            fact_count = memory_profiles.fact_count + EXCLUDED.fact_count,
            version = memory_profiles.version + 1
        """;

    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _readGate = new(10, 10);
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // Each user's context as last written, so that reads skip the database.
    private readonly Dictionary<string, UserContext> _contexts = new(StringComparer.Ordinal);

    public async Task<UserContext> GetUserContextAsync(string userId, CancellationToken cancellationToken)
    {
        // Race (NZ1001, NZ1003): no timeout; and the release is not in a finally, so a failed load keeps a slot.
        await _readGate.WaitAsync(cancellationToken);

        // Race (NZ2004): '_contexts' is written under '_writeGate' but read under '_readGate', which does not exclude
        // the writer: a reader runs in the middle of a write (and a Dictionary read during a write can fail or loop).
        var context = _contexts.TryGetValue(userId, out var cached) ? cached : await LoadAsync(userId, cancellationToken);
        _readGate.Release();
        return context;
    }

    /// <summary>Adds a conversation's facts to the user's memory; returns how many were new.</summary>
    public async Task<int> ProcessConversationAsync(string userId, IReadOnlyList<string> facts, CancellationToken cancellationToken)
    {
        // Race (NZ1002): the timed wait's result is ignored; when it times out the write runs next to the other writer.
        await _writeGate.WaitAsync(WriteTimeout, cancellationToken);
        try
        {
            // No transaction: each statement commits on its own, so readers see the fact set half-written.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var added = 0;
            foreach (var statement in facts)
            {
                var key = Text.FactKey(statement);
                int? mentions;
                await using (var find = new NpgsqlCommand(FindFact, connection))
                {
                    // Race (NZ3003, NZ3004): read, then write what was read, with no row lock and no unique key.
                    // Two writers both read 'mentions = 4' and both write 5; both find no row and both insert it.
                    find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
                    find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                    mentions = await find.ExecuteScalarAsync(cancellationToken) as int?;
                }

                if (mentions is int seen)
                {
                    await using var update = new NpgsqlCommand(SetMentions, connection);
                    update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
                    update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                    update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seen + 1 });
                    await update.ExecuteNonQueryAsync(cancellationToken);
                }
                else
                {
                    await using var insert = new NpgsqlCommand(InsertFact, connection);
                    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
                    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement });
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    added++;
                }
            }

            await using (var profile = new NpgsqlCommand(SaveProfile, connection))
            {
                profile.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
                profile.Parameters.Add(new NpgsqlParameter<int> { TypedValue = added });
                await profile.ExecuteNonQueryAsync(cancellationToken);
            }

            _contexts[userId] = await LoadAsync(userId, cancellationToken);
            return added;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public void Dispose()
    {
        _readGate.Dispose();
        _writeGate.Dispose();
    }

    private async Task<UserContext> LoadAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ReadFacts);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var facts = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            facts.Add(reader.GetString(0));
        }

        return new UserContext(userId, facts);
    }
}
