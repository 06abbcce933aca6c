using Npgsql;
using Nuzantara.Backend.Unfixed.Collections;
using Nuzantara.Backend.Unfixed.Infrastructure;
using Nuzantara.Backend.Unfixed.Memory;

namespace Nuzantara.Backend.Unfixed.Query;

internal sealed record QueryAnswer(string Answer, IReadOnlyList<SearchHit> Sources, int FactsToRemember);

/// <summary>Area 1's request path: answer from the user's documents and memory, log the query, save the memory.</summary>
internal sealed class QueryService(NpgsqlDataSource dataSource, CollectionService collections, MemoryOrchestrator memory, MemorySaveService saves)
{
    private const string LogQuery = "INSERT INTO query_log (user_id, question) VALUES ($1, $2)";

    public async Task<QueryAnswer> AnswerAsync(string userId, string question, Guid? collectionId, CancellationToken cancellationToken)
    {
        var hits = collectionId is Guid id ? await collections.SearchAsync(userId, id, question, 3, cancellationToken) ?? [] : [];
        var context = await memory.GetUserContextAsync(userId, cancellationToken);
        var answer = string.Join('\n', hits.Select(h => h.Title).Concat(context.Facts.Take(3)));
        var facts = Text.ExtractFacts(question);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var log = new NpgsqlCommand(LogQuery, connection, transaction))
        {
            log.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            log.Parameters.Add(new NpgsqlParameter<string> { TypedValue = question });
            await log.ExecuteNonQueryAsync(cancellationToken);
        }

        // Race (NZ4001): fire-and-forget, started before the commit. Nothing tracks the save (shutdown drops it, a
        // failure only logs), and it runs even when the query's transaction then rolls back.
        _ = Task.Run(() => saves.SaveAsync(userId, facts), CancellationToken.None);

        await transaction.CommitAsync(cancellationToken);
        return new QueryAnswer(answer.Length == 0 ? "I have nothing on that yet." : answer, hits, facts.Count);
    }
}
