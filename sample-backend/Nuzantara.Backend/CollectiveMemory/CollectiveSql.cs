namespace Nuzantara.Backend.CollectiveMemory;

/// <summary>The collective-memory area's statements.</summary>
internal static class CollectiveSql
{
    /// <summary>Makes sure the fact exists; of many concurrent first contributors exactly one inserts.</summary>
    public const string EnsureFact = """
        INSERT INTO collective_facts (fact_hash, statement) VALUES ($1, $2)
        ON CONFLICT (fact_hash) DO NOTHING
        """;

    /// <summary>The row lock every contribution to one fact queues on (the row exists now).</summary>
    public const string LockFactByHash = """
        SELECT id, promoted_at IS NOT NULL FROM collective_facts WHERE fact_hash = $1 FOR UPDATE
        """;

    public const string LockFactById = """
        SELECT id, promoted_at IS NOT NULL FROM collective_facts WHERE id = $1 FOR UPDATE
        """;

    /// <summary>One stance per user and fact: a second support by the same user changes nothing.</summary>
    public const string UpsertStance = """
        INSERT INTO collective_fact_sources (fact_id, user_id, stance) VALUES ($1, $2, $3)
        ON CONFLICT (fact_id, user_id) DO UPDATE SET stance = EXCLUDED.stance, updated_at = now()
        WHERE collective_fact_sources.stance <> EXCLUDED.stance
        """;

    /// <summary>
    /// Exact counts of distinct users, recounted under the row lock, and the promotion decided in the same statement:
    /// <c>promoted_at</c> is set once, by the contribution that reaches the threshold.
    /// </summary>
    public const string Recount = """
        UPDATE collective_facts f SET
            support_count = s.support,
            refute_count = s.refute,
            promoted_at = CASE WHEN f.promoted_at IS NULL AND s.support >= $2 THEN now() ELSE f.promoted_at END
        FROM (SELECT count(*) FILTER (WHERE stance = 'support') AS support,
                     count(*) FILTER (WHERE stance = 'refute') AS refute
              FROM collective_fact_sources WHERE fact_id = $1) AS s
        WHERE f.id = $1
        RETURNING f.statement, f.support_count, f.refute_count, f.promoted_at IS NOT NULL
        """;

    public const string List = """
        SELECT f.id, f.statement, f.support_count, f.refute_count, f.promoted_at IS NOT NULL, s.stance
        FROM collective_facts f
        LEFT JOIN collective_fact_sources s ON s.fact_id = f.id AND s.user_id = $1
        WHERE NOT $2 OR f.promoted_at IS NOT NULL
        ORDER BY f.support_count DESC, f.id
        LIMIT $3
        """;
}
