using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Nuzantara.Backend.Infrastructure.Database;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Backend.Infrastructure.Text;
using Nuzantara.Concurrency;
using Nuzantara.Concurrency.Postgres;

namespace Nuzantara.Backend.Collections;

internal sealed record CollectionSummary(Guid Id, string Name, int Version, int DocumentCount);

internal sealed record NewDocument(string? Title, string? Text);

internal sealed record SearchHit(int Version, int Ordinal, string Title, string Snippet, float Score);

internal sealed record SearchResult(Guid CollectionId, int Version, int DocumentCount, IReadOnlyList<SearchHit> Hits);

internal sealed record IngestResult(Guid CollectionId, int Version, int Added, int DocumentCount);

internal enum IngestOutcome
{
    Ingested,
    NotFound,
    Busy,
}

/// <summary>
/// Area 3: search during ingestion. Searches never wait behind an ingestion and never see half of one; ingestions of
/// one collection run one at a time, in this instance and across instances.
/// </summary>
/// <remarks>
/// <para><b>Snapshots.</b> An ingestion writes its batch as version <c>current + 1</c>, in chunks, each committed but
/// invisible (searches read only <c>version &lt;= current_version</c>), then flips <c>current_version</c> in one
/// statement. A search reads the pointer and the documents of that version, so it sees the collection wholly
/// before or wholly after a batch, in any instance.</para>
/// <para><b>Ingestion lock.</b> A <see cref="PostgresKeyedAsyncLock{TKey}"/> per collection (session-scoped: the
/// batch spans several transactions), with its in-process queue, so ingesters of this instance wait in memory and
/// only one holds a connection at the database. Searches never take it.</para>
/// <para><b>Snapshot lock.</b> A <see cref="KeyedAsyncReaderWriterLock{TKey}"/> per collection: searches read the
/// pointer and fill the cache under the read lock; the flip commits and evicts the older index under the write
/// lock, held for milliseconds, not for the batch. So no search of this instance can put an index of the old
/// version back into the cache after the flip evicted it.</para>
/// </remarks>
internal sealed class CollectionService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly HashingEmbedder _embedder;
    private readonly CollectionIndexCache _cache;
    private readonly IBackendHooks _hooks;
    private readonly BackendMetrics _metrics;
    private readonly CollectionOptions _options;
    private readonly TimeSpan _ingestTimeout;
    private readonly PostgresKeyedAsyncLock<Guid> _ingestions;
    private readonly KeyedAsyncReaderWriterLock<Guid> _snapshots;

    public CollectionService(
        NpgsqlDataSource dataSource,
        HashingEmbedder embedder,
        CollectionIndexCache cache,
        IBackendHooks hooks,
        BackendMetrics metrics,
        IOptions<BackendOptions> options)
    {
        _dataSource = dataSource;
        _embedder = embedder;
        _cache = cache;
        _hooks = hooks;
        _metrics = metrics;
        _options = options.Value.Collections;
        _ingestTimeout = options.Value.Locks.CollectionIngest;
        _ingestions = new PostgresKeyedAsyncLock<Guid>(
            dataSource,
            new PostgresLockOptions { Name = LockNamesOf.CollectionIngest, KeySpace = KeySpaces.CollectionIngest, DefaultTimeout = _ingestTimeout });
        _snapshots = new KeyedAsyncReaderWriterLock<Guid>(
            new LockOptions { Name = LockNamesOf.CollectionSnapshot, DefaultTimeout = options.Value.Locks.CollectionSnapshot });
    }

    /// <summary>Creates a collection; null when the owner already has one of that name.</summary>
    public async Task<CollectionSummary?> CreateAsync(string ownerId, string name, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(CollectionSql.Create);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownerId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? new CollectionSummary(id, name, 0, 0) : null;
    }

    public async Task<IReadOnlyList<CollectionSummary>> ListAsync(string ownerId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(CollectionSql.List);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownerId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var collections = new List<CollectionSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            collections.Add(new CollectionSummary(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        return collections;
    }

    /// <summary>Adds a batch of documents as the collection's next version.</summary>
    public async Task<(IngestOutcome Outcome, IngestResult? Result)> IngestAsync(
        string ownerId, Guid collectionId, IReadOnlyList<NewDocument> documents, CancellationToken cancellationToken)
    {
        if (await ReadSnapshotAsync(ownerId, collectionId, cancellationToken) is null)
        {
            return (IngestOutcome.NotFound, null);
        }

        await using var held = await _ingestions.TryLockAsync(collectionId, _ingestTimeout, cancellationToken);
        if (!held.IsAcquired)
        {
            _metrics.LockTimeout(LockNamesOf.CollectionIngest, "rejected");
            return (IngestOutcome.Busy, null);
        }

        // Under the ingestion lock the pointer cannot move, so this snapshot's version is the one to build on.
        var snapshot = await ReadSnapshotAsync(ownerId, collectionId, cancellationToken);
        if (snapshot is null)
        {
            return (IngestOutcome.NotFound, null);
        }

        await DeleteInvisibleAsync(collectionId, cancellationToken);
        var next = snapshot.Value.Version + 1;
        var chunkSize = Math.Max(1, _options.IngestChunkSize);
        for (var start = 0; start < documents.Count; start += chunkSize)
        {
            if (start > 0)
            {
                await _hooks.OnAsync(HookPoint.IngestionBetweenChunks, new HookContext(collectionId.ToString()), cancellationToken);
            }

            var chunk = documents.Skip(start).Take(chunkSize).Select((d, i) => (Ordinal: start + i, Document: d)).ToArray();
            await CopyChunkAsync(collectionId, next, chunk, cancellationToken);
        }

        var total = await FlipAsync(collectionId, next, documents.Count, cancellationToken);
        return (IngestOutcome.Ingested, new IngestResult(collectionId, next, documents.Count, total));
    }

    /// <summary>The top <paramref name="k"/> documents of the visible version; null for an unknown or foreign collection.</summary>
    public async Task<SearchResult?> SearchAsync(string ownerId, Guid collectionId, string query, int k, CancellationToken cancellationToken)
    {
        CollectionIndex index;
        using (await _snapshots.ReadLockAsync(collectionId, cancellationToken))
        {
            var snapshot = await ReadSnapshotAsync(ownerId, collectionId, cancellationToken);
            if (snapshot is null)
            {
                return null;
            }

            index = _cache.Get(collectionId, snapshot.Value.Version) ?? await LoadIndexAsync(collectionId, snapshot.Value.Version, cancellationToken);
            _cache.Offer(index);
        }

        var embedding = _embedder.Embed(query);
        var hits = index.Documents
            .Select(d => (Document: d, Score: HashingEmbedder.Cosine(embedding, d.Embedding)))
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.Document.Version)
            .ThenBy(h => h.Document.Ordinal)
            .Take(k)
            .Select(h => new SearchHit(h.Document.Version, h.Document.Ordinal, h.Document.Title, Snippet(h.Document.Body, embedding), h.Score))
            .ToArray();
        return new SearchResult(collectionId, index.Version, index.Documents.Count, hits);
    }

    /// <summary>The sentence of <paramref name="body"/> closest to the query: what an answer quotes.</summary>
    internal string Snippet(string body, float[] queryEmbedding)
        => TextProcessing.Sentences(body)
            .Select(s => (Sentence: s, Score: HashingEmbedder.Cosine(queryEmbedding, _embedder.Embed(s))))
            .OrderByDescending(s => s.Score)
            .Select(s => s.Sentence)
            .FirstOrDefault() ?? string.Empty;

    private async Task<(int Version, int DocumentCount)?> ReadSnapshotAsync(string ownerId, Guid collectionId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(CollectionSql.Snapshot);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownerId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt32(1), reader.GetInt32(2)) : null;
    }

    private async Task DeleteInvisibleAsync(Guid collectionId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(CollectionSql.DeleteInvisible);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task CopyChunkAsync(Guid collectionId, int version, (int Ordinal, NewDocument Document)[] chunk, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var importer = await connection.BeginBinaryImportAsync(CollectionSql.CopyDocuments, cancellationToken);
        foreach (var (ordinal, document) in chunk)
        {
            var title = document.Title ?? string.Empty;
            var body = document.Text ?? string.Empty;
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(collectionId, NpgsqlDbType.Uuid, cancellationToken);
            await importer.WriteAsync(version, NpgsqlDbType.Integer, cancellationToken);
            await importer.WriteAsync(ordinal, NpgsqlDbType.Integer, cancellationToken);
            await importer.WriteAsync(title, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(body, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(_embedder.Embed(title + "\n" + body), NpgsqlDbType.Array | NpgsqlDbType.Real, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    private async Task<int> FlipAsync(Guid collectionId, int version, int added, CancellationToken cancellationToken)
    {
        using (await _snapshots.WriteLockAsync(collectionId, cancellationToken))
        {
            await using var command = _dataSource.CreateCommand(CollectionSql.Flip);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = added });
            var total = await command.ExecuteScalarAsync(cancellationToken) as int?
                ?? throw new InvalidOperationException("The collection's version moved during an ingestion that held its lock.");
            _cache.EvictOlderThan(collectionId, version);
            return total;
        }
    }

    private async Task<CollectionIndex> LoadIndexAsync(Guid collectionId, int version, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(CollectionSql.LoadVisible);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = collectionId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var documents = new List<IndexedDocument>();
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(new IndexedDocument(reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<float[]>(4)));
        }

        return new CollectionIndex(collectionId, version, documents);
    }
}
