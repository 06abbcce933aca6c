using System.Diagnostics.Metrics;

namespace Nuzantara.Backend.Infrastructure.Metrics;

/// <summary>
/// The backend's own instruments (meter <c>Nuzantara.Backend</c>), next to the runtime's lock metrics (meter
/// <c>Nuzantara.Concurrency</c>). Every tag has a small fixed set of values: lock names, queue kinds, outcomes; never
/// a user, session, collection or fact id.
/// </summary>
internal sealed class BackendMetrics
{
    internal const string MeterName = "Nuzantara.Backend";

    private readonly Counter<long> _lockTimeouts;
    private readonly Counter<long> _memorySaves;
    private readonly Counter<long> _retryEnqueued;
    private readonly Counter<long> _retryProcessed;
    private readonly Counter<long> _cacheReconciled;
    private readonly Counter<long> _cacheInconsistencies;
    private readonly Counter<long> _promotions;
    private readonly Counter<long> _outboxPublished;
    private readonly Gauge<long> _retryQueueDepth;
    private readonly Meter _meter;

    public BackendMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _lockTimeouts = _meter.CreateCounter<long>(
            "nuzantara.backend.lock.timeouts", "{timeout}", "Lock timeouts the backend handled, by lock name and what it did instead (queued, rejected).");
        _memorySaves = _meter.CreateCounter<long>(
            "nuzantara.backend.memory.saves", "{save}", "Background memory saves by outcome (applied, duplicate, queued).");
        _retryEnqueued = _meter.CreateCounter<long>(
            "nuzantara.backend.retry.enqueued", "{item}", "Work put on the durable retry queue, by kind.");
        _retryProcessed = _meter.CreateCounter<long>(
            "nuzantara.backend.retry.processed", "{item}", "Retry-queue items processed, by kind and outcome (succeeded, failed).");
        _cacheReconciled = _meter.CreateCounter<long>(
            "nuzantara.backend.cache.reconciled", "{entry}", "Cache entries brought back in line with the database, by cache and reason.");
        _cacheInconsistencies = _meter.CreateCounter<long>(
            "nuzantara.backend.cache.inconsistencies", "{entry}", "Cache entries found to disagree with the database at the same version or ahead of it.");
        _promotions = _meter.CreateCounter<long>(
            "nuzantara.backend.collective.promotions", "{event}", "Collective facts promoted (one promotion event each).");
        _outboxPublished = _meter.CreateCounter<long>(
            "nuzantara.backend.outbox.published", "{event}", "Outbox events published after commit, by topic.");
        _retryQueueDepth = _meter.CreateGauge<long>(
            "nuzantara.backend.retry.queue_depth", "{item}", "Items waiting in the durable retry queue, as of the last pass of the worker.");
    }

    /// <summary>Lock names the backend reports timeouts for; bounded by construction.</summary>
    internal static readonly string[] LockNames = [LockNamesOf.MemorySave, LockNamesOf.MemoryOrchestrator, LockNamesOf.CollectionIngest, LockNamesOf.CollectionSnapshot];

    /// <summary>Publishes every series at zero, so that rates and alerts work before the first event.</summary>
    internal void InitializeSeries()
    {
        foreach (var name in LockNames)
        {
            _lockTimeouts.Add(0, Tag("lock.name", name), Tag("outcome", "queued"));
            _lockTimeouts.Add(0, Tag("lock.name", name), Tag("outcome", "rejected"));
        }

        foreach (var outcome in new[] { "applied", "duplicate", "queued" })
        {
            _memorySaves.Add(0, Tag("outcome", outcome));
        }

        foreach (var kind in new[] { RetryKinds.MemorySave, RetryKinds.ConversationSave })
        {
            _retryEnqueued.Add(0, Tag("kind", kind));
            _retryProcessed.Add(0, Tag("kind", kind), Tag("outcome", "succeeded"));
            _retryProcessed.Add(0, Tag("kind", kind), Tag("outcome", "failed"));
        }

        _cacheReconciled.Add(0, Tag("cache", "conversation"), Tag("reason", "stale"));
        _cacheReconciled.Add(0, Tag("cache", "conversation"), Tag("reason", "evicted"));
        _cacheInconsistencies.Add(0, Tag("cache", "conversation"));
        _promotions.Add(0);
        _outboxPublished.Add(0, Tag("topic", "collective.fact_promoted"));
        _retryQueueDepth.Record(0);
    }

    public void LockTimeout(string lockName, string outcome) => _lockTimeouts.Add(1, Tag("lock.name", lockName), Tag("outcome", outcome));

    public void MemorySave(string outcome) => _memorySaves.Add(1, Tag("outcome", outcome));

    public void RetryEnqueued(string kind) => _retryEnqueued.Add(1, Tag("kind", kind));

    public void RetryProcessed(string kind, bool succeeded) => _retryProcessed.Add(1, Tag("kind", kind), Tag("outcome", succeeded ? "succeeded" : "failed"));

    public void CacheReconciled(string cache, string reason) => _cacheReconciled.Add(1, Tag("cache", cache), Tag("reason", reason));

    public void CacheInconsistency(string cache) => _cacheInconsistencies.Add(1, Tag("cache", cache));

    public void Promotion() => _promotions.Add(1);

    public void OutboxPublished(string topic) => _outboxPublished.Add(1, Tag("topic", topic));

    public void RetryQueueDepth(long depth) => _retryQueueDepth.Record(depth);

    public void ObserveBackgroundWork(Func<int> inFlight)
        => _meter.CreateObservableGauge("nuzantara.backend.background.in_flight", inFlight, "{task}", "Background tasks (memory saves) running now.");

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}

/// <summary>The fixed lock names: the <c>lock.name</c> label of every lock metric.</summary>
internal static class LockNamesOf
{
    internal const string MemorySave = "memory-save";
    internal const string MemoryOrchestrator = "memory-orchestrator";
    internal const string CollectionIngest = "collection-ingest";
    internal const string CollectionSnapshot = "collection-snapshot";
    internal const string RetryDrain = "retry-drain";
    internal const string OutboxDrain = "outbox-drain";
}

/// <summary>The kinds of work the retry queue carries.</summary>
internal static class RetryKinds
{
    internal const string MemorySave = "memory_save";
    internal const string ConversationSave = "conversation_save";
}

/// <summary>Publishes the zero series once the metrics pipeline listens.</summary>
internal sealed class MetricsInitializer(OpenTelemetry.Metrics.MeterProvider meterProvider, BackendMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(meterProvider);
        metrics.InitializeSeries();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
