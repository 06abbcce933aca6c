using Microsoft.Extensions.Options;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Concurrency;

namespace Nuzantara.Backend.Infrastructure.RetryQueue;

/// <summary>
/// Drains the retry queue off the request path: when woken by an enqueue of this instance, and on a poll interval
/// for items left by other instances or by earlier failures.
/// </summary>
internal sealed partial class RetryQueueWorker : BackgroundService
{
    private readonly RetryQueue _queue;
    private readonly Dictionary<string, IRetryHandler> _handlers;
    private readonly BackendMetrics _metrics;
    private readonly WorkerOptions _options;
    private readonly ILogger<RetryQueueWorker> _logger;

    // The background loop and an explicit DrainAsync (tests, shutdown) take turns, so a caller of DrainAsync knows
    // that every item due when it got the lock has been tried when it returns.
    private readonly AsyncLock _drain = new(new LockOptions { Name = LockNamesOf.RetryDrain, DefaultTimeout = TimeSpan.FromMinutes(2) });

    public RetryQueueWorker(RetryQueue queue, IEnumerable<IRetryHandler> handlers, BackendMetrics metrics, IOptions<BackendOptions> options, ILogger<RetryQueueWorker> logger)
    {
        _queue = queue;
        _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
        _metrics = metrics;
        _options = options.Value.Workers;
        _logger = logger;
    }

    /// <summary>
    /// Tries every due item until none is left; returns how many succeeded. <paramref name="ignoreBackoff"/> also
    /// takes items waiting out a backoff (an operator's "retry now", and the tests' deterministic drain).
    /// </summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken, bool ignoreBackoff = false)
    {
        var tried = new HashSet<Guid>();
        using (await _drain.LockAsync(cancellationToken))
        {
            var succeeded = 0;
            while (true)
            {
                var items = await _queue.ClaimAsync(_options.RetryBatchSize, _options.RetryLease, ignoreBackoff, cancellationToken);
                if (items.Count == 0)
                {
                    break;
                }

                foreach (var item in items)
                {
                    if (!tried.Add(item.Id))
                    {
                        // Failed once in this pass already: leave it to its backoff instead of spinning on it.
                        await _queue.FailAsync(item.Id, "retried twice in one pass", cancellationToken);
                        return succeeded;
                    }

                    if (await TryHandleAsync(item, cancellationToken))
                    {
                        succeeded++;
                    }
                }
            }

            _metrics.RetryQueueDepth(await _queue.DepthAsync(cancellationToken));
            return succeeded;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RetryInBackground)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DrainAsync(stoppingToken);
                await _queue.WaitForWorkAsync(_options.RetryPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or LockTimeoutException or TimeoutException)
            {
                // The database is unreachable or slow: the items are safe in the table; try again next interval.
                LogPassFailed(exception);
                await Task.Delay(_options.RetryPollInterval, stoppingToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task<bool> TryHandleAsync(RetryItem item, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(item.Kind, out var handler))
        {
            LogUnknownKind(item.Kind);
            await _queue.FailAsync(item.Id, $"No handler for kind '{item.Kind}'.", cancellationToken);
            return false;
        }

        try
        {
            await handler.HandleAsync(item, cancellationToken);
            await _queue.CompleteAsync(item.Id, cancellationToken);
            _metrics.RetryProcessed(item.Kind, succeeded: true);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.RetryProcessed(item.Kind, succeeded: false);
            LogItemFailed(exception, item.Kind, item.Attempts);
            await _queue.FailAsync(item.Id, exception.Message, CancellationToken.None);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retry-queue pass failed; the items stay queued")]
    private partial void LogPassFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retry-queue item of unknown kind '{Kind}'")]
    private partial void LogUnknownKind(string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retry of a '{Kind}' item failed (attempt {Attempts}); it stays queued with backoff")]
    private partial void LogItemFailed(Exception exception, string kind, int attempts);
}
