using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Nuzantara.Backend.Infrastructure.BackgroundWork;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Concurrency;

namespace Nuzantara.Backend.Infrastructure.Outbox;

/// <summary>An event leaving the service after the transaction that caused it committed.</summary>
internal sealed record OutboxEvent(long Id, string Topic, string Payload);

/// <summary>Where published events go. At least once: consumers de-duplicate by <see cref="OutboxEvent.Id"/>.</summary>
internal interface IEventPublisher
{
    Task PublishAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken);
}

/// <summary>The sample's broker: a log line per event (a real service would put a message bus here).</summary>
internal sealed partial class LoggingEventPublisher(ILogger<LoggingEventPublisher> logger) : IEventPublisher
{
    public Task PublishAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        LogPublished(outboxEvent.Id, outboxEvent.Topic);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published event {Id} on {Topic}")]
    private partial void LogPublished(long id, string topic);
}

/// <summary>Writes events into the outbox inside the caller's transaction: they exist if and only if it commits.</summary>
internal static class OutboxWriter
{
    private const string InsertSql = "INSERT INTO outbox (topic, payload) VALUES ($1, $2)";

    public static async Task AddAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string topic, T payload, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(payload), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// Publishes committed outbox events: claims a batch with a lease (so instances do not publish the same event at
/// once), publishes it outside any transaction, then marks it published. A crash between the two republishes the
/// batch later: at least once, never lost.
/// </summary>
internal sealed partial class OutboxPublisher(
    NpgsqlDataSource dataSource,
    IEventPublisher publisher,
    BackendMetrics metrics,
    IOptions<BackendOptions> options,
    ILogger<OutboxPublisher> logger) : BackgroundService
{
    private const string ClaimSql = """
        UPDATE outbox SET claimed_until = now() + interval '30 seconds'
        WHERE id IN (
            SELECT id FROM outbox
            WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
            ORDER BY id LIMIT 100
            FOR UPDATE SKIP LOCKED)
        RETURNING id, topic, payload::text
        """;

    private const string MarkPublishedSql = "UPDATE outbox SET published_at = now() WHERE id = ANY($1)";

    private readonly AsyncLock _drain = new(new LockOptions { Name = LockNamesOf.OutboxDrain, DefaultTimeout = TimeSpan.FromMinutes(2) });
    private readonly WakeSignal _wake = new();

    /// <summary>Wakes the publisher after a commit that wrote events, instead of waiting for the next poll.</summary>
    public void Notify() => _wake.Notify();

    /// <summary>Publishes every committed, unclaimed event; returns how many.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        using (await _drain.LockAsync(cancellationToken))
        {
            var published = 0;
            while (true)
            {
                var batch = await ClaimAsync(cancellationToken);
                if (batch.Count == 0)
                {
                    return published;
                }

                foreach (var outboxEvent in batch)
                {
                    await publisher.PublishAsync(outboxEvent, cancellationToken);
                    metrics.OutboxPublished(outboxEvent.Topic);
                }

                await using var mark = dataSource.CreateCommand(MarkPublishedSql);
                mark.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. batch.Select(e => e.Id)] });
                await mark.ExecuteNonQueryAsync(cancellationToken);
                published += batch.Count;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Workers.OutboxPollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DrainAsync(stoppingToken);
                await _wake.WaitAsync(interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or LockTimeoutException or TimeoutException)
            {
                LogPassFailed(exception);
                await Task.Delay(interval, stoppingToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task<List<OutboxEvent>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ClaimSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batch = new List<OutboxEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            batch.Add(new OutboxEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        batch.Sort((a, b) => a.Id.CompareTo(b.Id));
        return batch;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox pass failed; events stay unpublished until the next pass")]
    private partial void LogPassFailed(Exception exception);
}
