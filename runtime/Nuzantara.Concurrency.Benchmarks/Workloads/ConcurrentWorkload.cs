namespace Nuzantara.Concurrency.Benchmarks.Workloads;

/// <summary>
/// Many tasks acquiring keys at once: each task runs its own fixed, pseudo-random sequence of keys, one acquisition
/// after another, so every library sees exactly the same sequence of requests.
/// </summary>
internal sealed class ConcurrentWorkload
{
    private readonly string[][] _schedules;

    /// <summary>Draws the key sequences; the same arguments always give the same sequences.</summary>
    /// <param name="tasks">How many tasks run at once.</param>
    /// <param name="acquisitionsPerTask">How many acquisitions each task makes.</param>
    /// <param name="keys">The keys the tasks draw from, uniformly.</param>
    public ConcurrentWorkload(int tasks, int acquisitionsPerTask, string[] keys)
    {
        var random = new Random(20_240_601);
        _schedules = new string[tasks][];
        for (var task = 0; task < tasks; task++)
        {
            var schedule = new string[acquisitionsPerTask];
            for (var i = 0; i < schedule.Length; i++)
            {
#pragma warning disable CA5394 // A reproducible workload, not security.
                schedule[i] = keys[random.Next(keys.Length)];
#pragma warning restore CA5394
            }

            _schedules[task] = schedule;
        }
    }

    /// <summary>Runs every task to completion; each acquisition is one call of <paramref name="lockedOperation"/>.</summary>
    /// <param name="lockedOperation">Acquires the key, works inside the lock, releases.</param>
    /// <returns>A task that completes when every task has finished.</returns>
    public Task RunAsync(Func<string, ValueTask> lockedOperation)
    {
        var tasks = new Task[_schedules.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = RunTaskAsync(_schedules[i], lockedOperation);
        }

        return Task.WhenAll(tasks);
    }

    private static async Task RunTaskAsync(string[] schedule, Func<string, ValueTask> lockedOperation)
    {
        // Start on the thread pool, so that all tasks contend from the start instead of the first running inline.
        await Task.Yield();
        foreach (var key in schedule)
        {
            await lockedOperation(key);
        }
    }
}
