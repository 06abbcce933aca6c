namespace Nuzantara.Backend.Conversations;

/// <summary>The conversations area's statements.</summary>
internal static class ConversationSql
{
    /// <summary>Creates the conversation or locks its row: every save of one session queues here, in any instance.</summary>
    public const string LockConversation = """
        INSERT INTO conversations (user_id, session_id) VALUES ($1, $2)
        ON CONFLICT (user_id, session_id) DO UPDATE SET updated_at = now()
        RETURNING message_count, version
        """;

    /// <summary>The idempotency record, in the save's transaction: no row back means this key was saved before.</summary>
    public const string RecordSave = """
        INSERT INTO conversation_saves (user_id, session_id, idempotency_key, first_seq, message_count, version)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (user_id, session_id, idempotency_key) DO NOTHING
        """;

    public const string InsertMessages = """
        INSERT INTO conversation_messages (user_id, session_id, seq, role, content)
        SELECT $1, $2, m.seq, m.role, m.content FROM unnest($3::int[], $4::text[], $5::text[]) AS m(seq, role, content)
        """;

    public const string Advance = """
        UPDATE conversations SET message_count = message_count + $3, version = version + 1, updated_at = now()
        WHERE user_id = $1 AND session_id = $2
        RETURNING message_count, version
        """;

    public const string Version = """
        SELECT version FROM conversations WHERE user_id = $1 AND session_id = $2
        """;

    public const string LoadConversation = """
        SELECT version, message_count, updated_at FROM conversations WHERE user_id = $1 AND session_id = $2
        """;

    public const string LoadMessages = """
        SELECT seq, role, content FROM conversation_messages WHERE user_id = $1 AND session_id = $2 ORDER BY seq
        """;

    public const string List = """
        SELECT session_id, message_count, version, updated_at FROM conversations WHERE user_id = $1
        ORDER BY updated_at DESC LIMIT 200
        """;

    /// <summary>The database side of the reconciler's comparison, for a batch of cached keys.</summary>
    public const string Fingerprints = """
        SELECT k.user_id, k.session_id, c.version, c.message_count,
               (SELECT encode(sha256(convert_to(string_agg(m.role || ':' || m.content, E'\n' ORDER BY m.seq), 'UTF8')), 'hex')
                FROM conversation_messages m WHERE m.user_id = c.user_id AND m.session_id = c.session_id)
        FROM unnest($1::text[], $2::text[]) AS k(user_id, session_id)
        LEFT JOIN conversations c ON c.user_id = k.user_id AND c.session_id = k.session_id
        """;
}
