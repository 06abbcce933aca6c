using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using Nuzantara.Backend.Unfixed.Infrastructure;

namespace Nuzantara.Backend.Unfixed.Collections;

internal sealed record NewDocument(string? Title, string Text);

internal sealed record SearchHit(string Title, float Score);

internal sealed record IndexedDocument(string Title, string Body, float[] Embedding);

/// <summary>
/// Area 3, as first designed: collections of documents, searched through an in-memory index per collection;
/// ingestion of one collection is exclusive through a semaphore per collection.
/// </summary>
internal sealed partial class CollectionService(NpgsqlDataSource dataSource, ILogger<CollectionService> logger)
{
    private const string Create = "INSERT INTO collections (id, owner_id, name) VALUES ($1, $2, $3)";
    private const string Owns = "SELECT count(*) FROM collections WHERE id = $1 AND owner_id = $2";
    private const string InsertDocument = "INSERT INTO documents (collection_id, title, body, embedding) VALUES ($1, $2, $3, $4)";
    private const string ReadCount = "SELECT document_count FROM collections WHERE id = $1";
    private const string WriteCount = "UPDATE collections SET document_count = $2 WHERE id = $1";
    private const string LoadDocuments = "SELECT title, body, embedding FROM documents WHERE collection_id = $1";

    private static readonly TimeSpan IngestTimeout = TimeSpan.FromSeconds(30);

    // Race (NZ1004): a semaphore per collection ever ingested, never removed.
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _ingestLocks = new();
    private readonly ConcurrentDictionary<Guid, IReadOnlyList<IndexedDocument>> _indexes = new();

    public async Task<Guid> CreateAsync(string ownerId, string name, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using var command = dataSource.CreateCommand(Create);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownerId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    public async Task<int> IngestAsync(string ownerId, Guid collectionId, IReadOnlyList<NewDocument> documents, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(ownerId, collectionId, cancellationToken))
        {
            throw new KeyNotFoundException("No such collection.");
        }

        var ingestLock = _ingestLocks.GetOrAdd(collectionId, _ => new SemaphoreSlim(1, 1));
        if (!await ingestLock.WaitAsync(IngestTimeout, cancellationToken))
        {
            // Race (NZ1002): the timeout is logged and the ingestion goes on anyway, next to the one holding the lock;
            // the finally below then releases a slot this flow never took, letting a third ingestion in.
            LogSlowIngestion();
        }

        try
        {
            // Each document is visible as soon as it is inserted: a search during the ingestion sees half the batch.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            foreach (var document in documents)
            {
                var title = document.Title ?? string.Empty;
                await using var insert = new NpgsqlCommand(InsertDocument, connection);
                insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = title });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document.Text });
                insert.Parameters.Add(new NpgsqlParameter<float[]> { TypedValue = Text.Embed(title + " " + document.Text), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            // Race (NZ3003): the count is read, then written back from what was read, with no row lock.
            int count;
            await using (var read = new NpgsqlCommand(ReadCount, connection))
            {
                read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
                count = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
            }

            await using (var write = new NpgsqlCommand(WriteCount, connection))
            {
                write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
                write.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count + documents.Count });
                await write.ExecuteNonQueryAsync(cancellationToken);
            }

            // Race (NZ3001): checked, then set. Two ingestions that finish together both reload, and the one that
            // loaded first can write last: the cache keeps an index without the other's documents.
            if (_indexes.ContainsKey(collectionId))
            {
                _indexes[collectionId] = await LoadIndexAsync(collectionId, cancellationToken);
            }

            return count + documents.Count;
        }
        finally
        {
            ingestLock.Release();
        }
    }

    public async Task<IReadOnlyList<SearchHit>?> SearchAsync(string ownerId, Guid collectionId, string query, int k, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(ownerId, collectionId, cancellationToken))
        {
            return null;
        }

        // Race (NZ3001): checked, then set. Two searches of a cold collection both load its index; a search that
        // loaded before an ingestion's refresh writes its older index over the refreshed one.
        if (!_indexes.TryGetValue(collectionId, out var index))
        {
            index = await LoadIndexAsync(collectionId, cancellationToken);
            _indexes[collectionId] = index;
        }

        var embedding = Text.Embed(query);
        return [.. index
            .Select(d => new SearchHit(d.Title, Text.Cosine(embedding, d.Embedding)))
            .OrderByDescending(h => h.Score)
            .Take(k)];
    }

    private async Task<bool> OwnsAsync(string ownerId, Guid collectionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Owns);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownerId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    private async Task<IReadOnlyList<IndexedDocument>> LoadIndexAsync(Guid collectionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(LoadDocuments);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var documents = new List<IndexedDocument>();
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(new IndexedDocument(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<float[]>(2)));
        }

        return documents;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion waited too long for the collection's lock; continuing")]
    private partial void LogSlowIngestion();
}
