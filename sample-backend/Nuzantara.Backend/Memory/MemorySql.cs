namespace Nuzantara.Backend.Memory;

/// <summary>The memory area's statements.</summary>
internal static class MemorySql
{
    /// <summary>Idempotency: a save id counts once; no row back means it was applied before.</summary>
    public const string MarkApplied = """
        INSERT INTO memory_saves_applied (user_id, save_id) VALUES ($1, $2)
        ON CONFLICT (user_id, save_id) DO NOTHING
        """;

    /// <summary>
    /// Dedup by the unique key; a repeated fact only bumps its counter atomically. <c>xmax = 0</c> marks a row this
    /// statement inserted (rather than updated), which is how the profile's fact count stays exact.
    /// </summary>
    public const string UpsertFacts = """
        INSERT INTO memory_facts (user_id, fact_hash, statement)
        SELECT $1, f.hash, f.statement FROM unnest($2::text[], $3::text[]) AS f(hash, statement)
        ON CONFLICT (user_id, fact_hash) DO UPDATE SET mentions = memory_facts.mentions + 1, last_seen = now()
        RETURNING (xmax = 0) AS inserted
        """;

    public const string TopStatements = """
        SELECT statement FROM memory_facts WHERE user_id = $1
        ORDER BY mentions DESC, statement LIMIT 5
        """;

    public const string UpsertProfile = """
        INSERT INTO memory_profiles (user_id, conversations_processed, fact_count, summary, version)
        VALUES ($1, 1, $2, $3, 1)
        ON CONFLICT (user_id) DO UPDATE SET
            conversations_processed = memory_profiles.conversations_processed + 1,
            fact_count = memory_profiles.fact_count + EXCLUDED.fact_count,
            summary = EXCLUDED.summary,
            version = memory_profiles.version + 1,
            updated_at = now()
        RETURNING version, fact_count
        """;

    public const string ReadProfile = """
        SELECT conversations_processed, fact_count, summary, version FROM memory_profiles WHERE user_id = $1
        """;

    public const string ReadFacts = """
        SELECT statement, mentions FROM memory_facts WHERE user_id = $1 ORDER BY mentions DESC, statement
        """;

    public const string PendingSaves = """
        SELECT count(*) FROM retry_queue WHERE kind = 'memory_save' AND payload ->> 'UserId' = $1
        """;
}
