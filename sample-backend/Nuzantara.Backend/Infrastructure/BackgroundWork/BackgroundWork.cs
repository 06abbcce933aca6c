using Nuzantara.Backend.Infrastructure.Metrics;

namespace Nuzantara.Backend.Infrastructure.BackgroundWork;

/// <summary>
/// Work that outlives its request (the memory save after a query), tracked so it is never fire-and-forget: every
/// task is held in a set until it ends, and shutdown waits for the set to drain.
/// </summary>
/// <remarks>
/// Once shutdown begins, <see cref="TryRun"/> refuses new work and the caller takes its durable path instead (the
/// retry queue). Work still running when the host's shutdown timeout ends sees its token cancelled, and must then
/// persist what it has not done rather than drop it.
/// </remarks>
internal sealed partial class BackgroundWork : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly ILogger<BackgroundWork> _logger;
    private bool _stopping;

    public BackgroundWork(BackendMetrics metrics, ILogger<BackgroundWork> logger)
    {
        _logger = logger;
        metrics.ObserveBackgroundWork(() => InFlight);
    }

    /// <summary>Tasks running now.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    /// <summary>Starts <paramref name="work"/> in the background and tracks it; false once shutdown has begun.</summary>
    public bool TryRun(string name, Func<CancellationToken, Task> work)
    {
        Task task;
        lock (_gate)
        {
            if (_stopping)
            {
                return false;
            }

            var token = _abort.Token;
            task = Task.Run(() => work(token), CancellationToken.None);
            _running.Add(task);
        }

        _ = task.ContinueWith(
            (finished, state) => ((BackgroundWork)state!).Completed(finished, name),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return true;
    }

    /// <summary>Completes when no tracked work is running (work started meanwhile is waited for too).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task[] snapshot;
            lock (_gate)
            {
                snapshot = [.. _running];
            }

            if (snapshot.Length == 0)
            {
                return;
            }

            // Failures were logged when they happened; here we only wait.
            await Task.WhenAll(snapshot).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .WaitAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _stopping = true;
        }

        LogDraining(InFlight);
        try
        {
            await WhenIdleAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout is over: ask the remaining work to persist itself, and give it a moment.
            LogAborting(InFlight);
            await _abort.CancelAsync();
            await WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    public void Dispose() => _abort.Dispose();

    private void Completed(Task finished, string name)
    {
        lock (_gate)
        {
            _running.Remove(finished);
        }

        if (finished.IsFaulted)
        {
            LogFailed(finished.Exception, name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Background work '{Name}' failed")]
    private partial void LogFailed(Exception exception, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining {Count} background tasks before shutdown")]
    private partial void LogDraining(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached with {Count} background tasks running; cancelling them so they persist their work")]
    private partial void LogAborting(int count);
}
