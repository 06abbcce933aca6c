namespace Nuzantara.Backend.Collections;

/// <summary>The collections area's statements.</summary>
internal static class CollectionSql
{
    public const string Create = """
        INSERT INTO collections (id, owner_id, name) VALUES ($1, $2, $3)
        ON CONFLICT (owner_id, name) DO NOTHING
        RETURNING id
        """;

    public const string List = """
        SELECT id, name, current_version, document_count FROM collections WHERE owner_id = $1 ORDER BY name
        """;

    /// <summary>The snapshot a search reads: the visible version, for the owner only.</summary>
    public const string Snapshot = """
        SELECT name, current_version, document_count FROM collections WHERE id = $1 AND owner_id = $2
        """;

    /// <summary>Leftovers of an ingestion that died before its flip: never visible, removed by the next one.</summary>
    public const string DeleteInvisible = """
        DELETE FROM documents d USING collections c
        WHERE c.id = $1 AND d.collection_id = c.id AND d.version > c.current_version
        """;

    public const string CopyDocuments = """
        COPY documents (collection_id, version, ordinal, title, body, embedding) FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>
    /// The flip: one statement makes the whole batch visible. The version guard turns a second ingester that
    /// slipped past the lock (it cannot, but the check is free) into zero rows instead of a lost batch.
    /// </summary>
    public const string Flip = """
        UPDATE collections SET current_version = $2, document_count = document_count + $3
        WHERE id = $1 AND current_version = $2 - 1
        RETURNING document_count
        """;

    public const string LoadVisible = """
        SELECT version, ordinal, title, body, embedding FROM documents
        WHERE collection_id = $1 AND version <= $2
        """;
}
