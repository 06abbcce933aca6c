using System.Net.Http.Json;
using System.Text.Json;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Query;
using Nuzantara.Backend.Tests.Infrastructure;

namespace Nuzantara.Backend.Tests;

/// <summary>Area 1: the background memory save after a query.</summary>
public sealed class MemorySaveTests
{
    internal static string Question(int i) => $"I like green tea. Shared fact {i % 10} holds. Unique fact {i} holds. What should I drink?";

    [Fact]
    public async Task FiftyConcurrentSaves_OfOneUser_StoreEveryFactOnce_AndTheContextIsConsistent()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var client = host.Client("ana");

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => client.PostOkAsync("/query", new { question = Question(i) }))).Within();
        Assert.All(answers, a => Assert.Equal(3, a.GetProperty("memorySave").GetProperty("facts").GetInt32()));
        await host.SettleAsync();

        await AssertFiftySavesAsync(database, "ana");
        var context = await client.GetOkAsync("/memory/context");
        Assert.Equal(50, context.GetProperty("conversationsProcessed").GetInt32());
        Assert.Equal(61, context.GetProperty("factCount").GetInt32());
        Assert.Equal(61, context.GetProperty("facts").GetArrayLength());
        Assert.Equal(0, context.GetProperty("pendingSaves").GetInt64());
        Assert.Equal(50, context.GetProperty("facts").EnumerateArray().Single(f => f.GetProperty("statement").GetString() == "I like green tea").GetProperty("mentions").GetInt32());
    }

    /// <summary>The invariants after the fifty saves of <see cref="Question"/>: 1 + 10 + 50 distinct facts, exact mentions.</summary>
    internal static async Task AssertFiftySavesAsync(TestDatabase database, string userId)
    {
        Assert.Equal(61L, await database.ScalarAsync<long>("SELECT count(*) FROM memory_facts WHERE user_id = $1", userId));
        Assert.Equal(50L, await database.ScalarAsync<long>("SELECT count(*) FROM memory_saves_applied WHERE user_id = $1", userId));
        Assert.Equal(50, await database.ScalarAsync<int>("SELECT mentions FROM memory_facts WHERE user_id = $1 AND statement = 'I like green tea'", userId));
        Assert.Equal([5], (await database.ColumnAsync<int>("SELECT DISTINCT mentions FROM memory_facts WHERE user_id = $1 AND statement LIKE 'Shared fact %'", userId)));
        Assert.Equal([1], (await database.ColumnAsync<int>("SELECT DISTINCT mentions FROM memory_facts WHERE user_id = $1 AND statement LIKE 'Unique fact %'", userId)));
        Assert.Equal(50, await database.ScalarAsync<int>("SELECT conversations_processed FROM memory_profiles WHERE user_id = $1", userId));
        Assert.Equal(61, await database.ScalarAsync<int>("SELECT fact_count FROM memory_profiles WHERE user_id = $1", userId));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM retry_queue"));
    }

    [Fact]
    public async Task SaveLockTimeout_QueuesTheSave_CountsIt_ShowsItAsPending_AndTheRetryWorkerAppliesIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database, new Dictionary<string, string?>
        {
            ["Backend:Locks:MemorySave"] = "00:00:00.200",
            ["Backend:Workers:RetryInBackground"] = "false",
        });
        using var client = host.Client("ben");

        // The first save holds ben's save lock...
        var held = host.Hooks.PauseOnce(HookPoint.MemorySaveLocked);
        var first = await client.PostOkAsync("/query", new { question = "I own a red bicycle." });
        Assert.Equal("scheduled", first.GetProperty("memorySave").GetProperty("status").GetString());
        await held.Reached.Within();

        // ...so the second one gives up after its timeout, and goes to the durable queue instead of being dropped.
        var second = new MemorySave(Guid.NewGuid(), "ben", ["I live in Surabaya"]);
        await host.Get<MemorySaveService>().SaveAsync(second, CancellationToken.None).Within();

        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM retry_queue WHERE kind = 'memory_save' AND id = $1", second.SaveId));
        var metrics = await host.ScrapeMetricsAsync();
        Assert.Equal(1, host.Metrics.Total("nuzantara.backend.lock.timeouts", ("lock.name", "memory-save"), ("outcome", "queued")));
        Assert.Equal(1, host.Metrics.Total("nuzantara.backend.memory.saves", ("outcome", "queued")));
        Assert.True(Api.Series(metrics, "nuzantara_lock_timeouts_total", ("lock_name", "memory-save")) >= 1, "the runtime counts the timeout too");

        held.Release();
        await host.Get<Nuzantara.Backend.Infrastructure.BackgroundWork.BackgroundWork>().WhenIdleAsync().Within();
        var pending = await client.GetOkAsync("/memory/context");
        Assert.Equal(1, pending.GetProperty("pendingSaves").GetInt64());

        await host.SettleAsync();
        var context = await client.GetOkAsync("/memory/context");
        Assert.Equal(0, context.GetProperty("pendingSaves").GetInt64());
        Assert.Equal(2, context.GetProperty("conversationsProcessed").GetInt32());
        Assert.Equal(["I live in Surabaya", "I own a red bicycle"], context.GetProperty("facts").EnumerateArray().Select(f => f.GetProperty("statement").GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(1, host.Metrics.Total("nuzantara.backend.retry.processed", ("kind", "memory_save"), ("outcome", "succeeded")));
    }

    [Fact]
    public async Task RetriedSave_WithTheSameSaveId_AppliesOnce()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        var save = new MemorySave(Guid.NewGuid(), "cas", ["I play chess", "I speak Javanese"]);
        var service = host.Get<MemorySaveService>();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => service.SaveAsync(save, CancellationToken.None))).Within();

        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM memory_saves_applied WHERE user_id = 'cas'"));
        Assert.Equal([1], await database.ColumnAsync<int>("SELECT DISTINCT mentions FROM memory_facts WHERE user_id = 'cas'"));
        Assert.Equal(1, await database.ScalarAsync<int>("SELECT conversations_processed FROM memory_profiles WHERE user_id = 'cas'"));
    }

    [Fact]
    public async Task Shutdown_WaitsForRunningSaves_AndNothingIsLost()
    {
        await using var database = await TestDatabase.CreateAsync();
        var host = await BackendHost.StartAsync(database);
        try
        {
            using var client = host.Client("dia");
            var held = host.Hooks.PauseOnce(HookPoint.MemorySaveLocked);
            await client.PostOkAsync("/query", new { question = "My cat is named Mochi." });
            await held.Reached.Within();

            var stopping = host.StopAsync();
            Assert.False(stopping.IsCompleted, "Shutdown finished while a background save was still running.");
            held.Release();
            await stopping.Within();
        }
        finally
        {
            await host.DisposeAsync();
        }

        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM memory_facts WHERE user_id = 'dia' AND statement = 'My cat is named Mochi'"));
    }

    [Fact]
    public async Task RetryWorker_DrainsQueuedSaves_InTheBackground()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var processed = new RetryProcessedListener(host);

        var save = new MemorySave(Guid.NewGuid(), "eli", ["I collect old maps"]);
        await host.Get<Nuzantara.Backend.Infrastructure.RetryQueue.RetryQueue>().EnqueueAsync(save.SaveId, "memory_save", save, CancellationToken.None);

        await processed.Succeeded.Within();
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM memory_facts WHERE user_id = 'eli'"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM retry_queue"));
    }

    /// <summary>Completes when this host's retry worker reports a succeeded item (a gate on the metric, not a poll).</summary>
    private sealed class RetryProcessedListener : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private readonly TaskCompletionSource _succeeded = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public RetryProcessedListener(BackendHost host)
        {
            var factory = host.Get<System.Diagnostics.Metrics.IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "nuzantara.backend.retry.processed" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (value > 0 && tag.Key == "outcome" && (string?)tag.Value == "succeeded")
                    {
                        _succeeded.TrySetResult();
                    }
                }
            });
            _listener.Start();
        }

        public Task Succeeded => _succeeded.Task;

        public void Dispose() => _listener.Dispose();
    }
}
