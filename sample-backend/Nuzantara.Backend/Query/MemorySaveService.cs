using System.Text.Json;
using Microsoft.Extensions.Options;
using Nuzantara.Backend.Infrastructure.BackgroundWork;
using Nuzantara.Backend.Infrastructure.Database;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Backend.Infrastructure.RetryQueue;
using Nuzantara.Backend.Memory;
using Nuzantara.Concurrency;

namespace Nuzantara.Backend.Query;

/// <summary>A memory save: the facts one answered query taught about its user, applied once per <see cref="SaveId"/>.</summary>
internal sealed record MemorySave(Guid SaveId, string UserId, IReadOnlyList<string> Facts);

/// <summary>
/// Area 1: the background memory save after a query. Saves of one user run one at a time (a
/// <see cref="KeyedAsyncLock{TKey}"/> per user in this instance; the memory writer's advisory lock across instances),
/// as tracked <see cref="BackgroundWork"/> that shutdown drains.
/// </summary>
/// <remarks>
/// <para>The keyed lock also keeps background saves from piling up on the memory's reader-writer lock: with writer
/// preference, fifty queued writers would hold back every reader of that user; here at most one save per user
/// competes with readers, the rest wait in this queue.</para>
/// <para>A save that cannot get the lock in time, loses its connection, or is still running when shutdown gives up
/// is neither dropped nor retried on the request path: it goes to the durable retry queue, counted in
/// <c>nuzantara.backend.lock.timeouts</c> / <c>nuzantara.backend.memory.saves{outcome="queued"}</c> and visible as
/// <c>pendingSaves</c> in the user's context. Saves are idempotent by save id, so a retry never double-counts.</para>
/// </remarks>
internal sealed partial class MemorySaveService : IRetryHandler
{
    private readonly MemoryOrchestrator _memory;
    private readonly RetryQueue _queue;
    private readonly BackgroundWork _background;
    private readonly BackendMetrics _metrics;
    private readonly IBackendHooks _hooks;
    private readonly ILogger<MemorySaveService> _logger;
    private readonly KeyedAsyncLock<string> _saves;

    public MemorySaveService(
        MemoryOrchestrator memory,
        RetryQueue queue,
        BackgroundWork background,
        BackendMetrics metrics,
        IBackendHooks hooks,
        IOptions<BackendOptions> options,
        ILogger<MemorySaveService> logger)
    {
        _memory = memory;
        _queue = queue;
        _background = background;
        _metrics = metrics;
        _hooks = hooks;
        _logger = logger;
        _saves = new KeyedAsyncLock<string>(
            new LockOptions { Name = LockNamesOf.MemorySave, DefaultTimeout = options.Value.Locks.MemorySave },
            StringComparer.Ordinal);
    }

    public string Kind => RetryKinds.MemorySave;

    /// <summary>Starts the save in the background; returns <c>scheduled</c>, or <c>queued</c> during shutdown.</summary>
    public async Task<string> ScheduleAsync(MemorySave save, CancellationToken cancellationToken)
    {
        if (_background.TryRun(LockNamesOf.MemorySave, token => SaveAsync(save, token)))
        {
            return "scheduled";
        }

        await EnqueueAsync(save, "shutting down");
        return "queued";
    }

    /// <summary>Applies the save now, or queues it durably when that is not possible; never throws for those cases.</summary>
    internal async Task SaveAsync(MemorySave save, CancellationToken cancellationToken)
    {
        try
        {
            using var held = await _saves.TryLockAsync(save.UserId, _saves.DefaultTimeout, cancellationToken);
            if (!held.IsAcquired)
            {
                _metrics.LockTimeout(LockNamesOf.MemorySave, "queued");
                await EnqueueAsync(save, "memory-save lock timeout");
                return;
            }

            await _hooks.OnAsync(HookPoint.MemorySaveLocked, new HookContext(save.UserId), cancellationToken);
            var result = await _memory.ProcessConversationAsync(save.UserId, save.SaveId, save.Facts, cancellationToken);
            _metrics.MemorySave(result.Applied ? "applied" : "duplicate");
        }
        catch (LockTimeoutException timeout)
        {
            _metrics.LockTimeout(timeout.LockName, "queued");
            await EnqueueAsync(save, timeout.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await EnqueueAsync(save, "shutdown before the save completed");
        }
        catch (Exception exception) when (DatabaseErrors.IsRetryable(exception))
        {
            await EnqueueAsync(save, exception.Message);
        }
    }

    /// <summary>The retry worker's path: the same idempotent save, with a plain timed lock (a timeout backs off).</summary>
    public async Task HandleAsync(RetryItem item, CancellationToken cancellationToken)
    {
        var save = JsonSerializer.Deserialize<MemorySave>(item.Payload)
            ?? throw new InvalidOperationException("An empty memory save in the retry queue.");
        using (await _saves.LockAsync(save.UserId, cancellationToken))
        {
            var result = await _memory.ProcessConversationAsync(save.UserId, save.SaveId, save.Facts, cancellationToken);
            _metrics.MemorySave(result.Applied ? "applied" : "duplicate");
        }
    }

    private async Task EnqueueAsync(MemorySave save, string reason)
    {
        // Not cancellable: this is the path that keeps the save when everything else gave up.
        await _queue.EnqueueAsync(save.SaveId, Kind, save, CancellationToken.None);
        _metrics.MemorySave("queued");
        LogQueued(reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory save queued for retry: {Reason}")]
    private partial void LogQueued(string reason);
}
