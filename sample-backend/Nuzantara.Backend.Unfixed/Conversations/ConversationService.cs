using Microsoft.Extensions.Caching.Memory;
using Npgsql;
using Nuzantara.Backend.Unfixed.Memory;

namespace Nuzantara.Backend.Unfixed.Conversations;

internal sealed record ConversationHistory(string SessionId, int MessageCount, IReadOnlyList<ChatMessage> Messages);

internal sealed record SessionActivity(IReadOnlyList<string> RecentSessions, long Saves, long Listings);

/// <summary>
/// Area 4, as first designed: conversation saves with a read-through cache of each session's history, and a list of
/// recently active sessions.
/// </summary>
internal sealed class ConversationService(NpgsqlDataSource dataSource, IMemoryCache cache)
{
    private const string AppendMessage = "INSERT INTO conversation_messages (user_id, session_id, role, content) VALUES ($1, $2, $3, $4)";
    private const string ReadCount = "SELECT message_count FROM conversations WHERE user_id = $1 AND session_id = $2";
    private const string CreateConversation = "INSERT INTO conversations (user_id, session_id, message_count) VALUES ($1, $2, 0)";
    private const string WriteCount = "UPDATE conversations SET message_count = $3, updated_at = now() WHERE user_id = $1 AND session_id = $2";
    private const string LoadMessages = "SELECT role, content FROM conversation_messages WHERE user_id = $1 AND session_id = $2 ORDER BY id";
    private const int MaxAttempts = 3;
    private const int RecentCapacity = 100;

    private readonly object _loadSync = new();
    private readonly object _recentSync = new();
    private readonly object _statsSync = new();
    private readonly LinkedList<string> _recent = new();
    private long _saves;
    private long _listings;

    public async Task<ConversationHistory> SaveAsync(string userId, string sessionId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await AppendWithRetryAsync(userId, sessionId, message, cancellationToken);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Race (NZ3004, NZ3003): two first saves of a session both find no row and both create one; two saves both
        // read count 4 and both write 4 + n. There is no unique key and no row lock.
        int? count;
        await using (var read = new NpgsqlCommand(ReadCount, connection, transaction))
        {
            AddKey(read, userId, sessionId);
            count = await read.ExecuteScalarAsync(cancellationToken) as int?;
        }

        if (count is null)
        {
            await using var create = new NpgsqlCommand(CreateConversation, connection, transaction);
            AddKey(create, userId, sessionId);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var write = new NpgsqlCommand(WriteCount, connection, transaction))
        {
            AddKey(write, userId, sessionId);
            write.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (count ?? 0) + messages.Count });
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        var history = await LoadAsync(connection, transaction, userId, sessionId, cancellationToken);

        // Race (NZ4001): the cache is updated before the commit; if the commit fails, the cache serves a history
        // the database never stored, until the entry expires.
        cache.Set(CacheKey(userId, sessionId), history, TimeSpan.FromMinutes(10));
        await transaction.CommitAsync(cancellationToken);

        Touch(sessionId);
        return history;
    }

    public async Task<ConversationHistory?> GetAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(userId, sessionId), out ConversationHistory? cached))
        {
            return cached;
        }

        // One load at a time, so that a burst of reads of a cold session queries the database once.
        // Race (NZ1001, NZ1005): a monitor has no timeout, and it belongs to a thread: after the await the code may
        // run on another thread, whose Exit throws while the owning thread keeps the monitor for ever.
        Monitor.Enter(_loadSync);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var history = await LoadAsync(connection, transaction: null, userId, sessionId, cancellationToken);
            if (history.MessageCount > 0)
            {
                cache.Set(CacheKey(userId, sessionId), history, TimeSpan.FromMinutes(10));
            }

            return history.MessageCount > 0 ? history : null;
        }
        finally
        {
            Monitor.Exit(_loadSync);
        }
    }

    public SessionActivity RecentSessions()
    {
        // Race (NZ1006): this takes '_statsSync' then '_recentSync'; Touch takes them in the opposite order.
        lock (_statsSync)
        {
            _listings++;
            lock (_recentSync)
            {
                return new SessionActivity([.. _recent], _saves, _listings);
            }
        }
    }

    private void Touch(string sessionId)
    {
        lock (_recentSync)
        {
            _recent.Remove(sessionId);
            _recent.AddFirst(sessionId);
            if (_recent.Count > RecentCapacity)
            {
                _recent.RemoveLast();
            }

            lock (_statsSync)
            {
                _saves++;
            }
        }
    }

    private async Task AppendWithRetryAsync(string userId, string sessionId, ChatMessage message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Race (NZ4002): a plain INSERT, retried. When the first attempt commits and then fails (a timeout,
                // a dropped connection after the commit), the retry stores the message a second time.
                await using var insert = dataSource.CreateCommand(AppendMessage);
                AddKey(insert, userId, sessionId);
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Role });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Content });
                await insert.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
            }
        }
    }

    private static async Task<ConversationHistory> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string userId, string sessionId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(LoadMessages, connection, transaction);
        AddKey(command, userId, sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var messages = new List<ChatMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(new ChatMessage(reader.GetString(0), reader.GetString(1)));
        }

        return new ConversationHistory(sessionId, messages.Count, messages);
    }

    private static string CacheKey(string userId, string sessionId) => $"conversation:{userId}:{sessionId}";

    private static void AddKey(NpgsqlCommand command, string userId, string sessionId)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
    }
}
