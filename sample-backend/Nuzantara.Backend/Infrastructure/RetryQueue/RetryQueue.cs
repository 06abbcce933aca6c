using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Nuzantara.Backend.Infrastructure.BackgroundWork;
using Nuzantara.Backend.Infrastructure.Metrics;

namespace Nuzantara.Backend.Infrastructure.RetryQueue;

/// <summary>An item claimed from the retry queue.</summary>
internal sealed record RetryItem(Guid Id, string Kind, string Payload, int Attempts);

/// <summary>Handles one kind of retry-queue item. Must be idempotent: an item can be handled more than once.</summary>
internal interface IRetryHandler
{
    string Kind { get; }

    Task HandleAsync(RetryItem item, CancellationToken cancellationToken);
}

/// <summary>
/// The durable retry queue (table <c>retry_queue</c>): work that failed or could not start on the request path waits
/// here until <see cref="RetryQueueWorker"/> completes it. Items are claimed with a lease
/// (<c>FOR UPDATE SKIP LOCKED</c>), so several instances drain one queue without taking the same item twice.
/// </summary>
internal sealed class RetryQueue(NpgsqlDataSource dataSource, BackendMetrics metrics)
{
    private const string EnqueueSql = """
        INSERT INTO retry_queue (id, kind, payload) VALUES ($1, $2, $3)
        ON CONFLICT (id) DO NOTHING
        """;

    private const string ClaimSql = """
        UPDATE retry_queue SET attempts = attempts + 1, next_attempt_at = now() + $2
        WHERE id IN (
            SELECT id FROM retry_queue WHERE next_attempt_at <= now() OR $3
            ORDER BY next_attempt_at LIMIT $1
            FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, payload::text, attempts
        """;

    private const string CompleteSql = "DELETE FROM retry_queue WHERE id = $1";

    // Exponential backoff, capped at five minutes; the item stays until it succeeds (never dropped).
    private const string FailSql = """
        UPDATE retry_queue
        SET last_error = $2, next_attempt_at = now() + least(interval '5 minutes', interval '1 second' * power(2, least(attempts, 16)))
        WHERE id = $1
        """;

    private const string DepthSql = "SELECT count(*) FROM retry_queue";

    private readonly WakeSignal _wake = new();

    /// <summary>Adds an item (a second enqueue of the same id is a no-op) and wakes this instance's worker.</summary>
    public async Task EnqueueAsync<T>(Guid id, string kind, T payload, CancellationToken cancellationToken)
    {
        await using (var command = dataSource.CreateCommand(EnqueueSql))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(payload), NpgsqlDbType = NpgsqlDbType.Jsonb });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        metrics.RetryEnqueued(kind);
        Wake();
    }

    /// <summary>Claims up to <paramref name="max"/> due items (all items with <paramref name="ignoreBackoff"/>) for <paramref name="lease"/>.</summary>
    public async Task<IReadOnlyList<RetryItem>> ClaimAsync(int max, TimeSpan lease, bool ignoreBackoff, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ClaimSql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = ignoreBackoff });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<RetryItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new RetryItem(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }

        return items;
    }

    public async Task CompleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CompleteSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task FailAsync(Guid id, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(FailSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error.Length > 2000 ? error[..2000] : error });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> DepthAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(DepthSql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Completes when an item was enqueued by this instance or <paramref name="interval"/> passed.</summary>
    public async Task WaitForWorkAsync(TimeSpan interval, CancellationToken cancellationToken)
        => await _wake.WaitAsync(interval, cancellationToken);

    private void Wake() => _wake.Notify();
}
