using System.Text.Json;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Memory;
using Nuzantara.Backend.Tests.Infrastructure;

namespace Nuzantara.Backend.Tests;

/// <summary>Area 2: readers and writers of one user's memory.</summary>
public sealed class MemoryOrchestratorTests
{
    private static string[] Facts(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix} fact {i:D2} is true")];

    private static string[] Statements(JsonElement context)
        => [.. context.GetProperty("facts").EnumerateArray().Select(f => f.GetProperty("statement").GetString()!).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task ReadersDuringAWrite_NeverSeeAPartialFactSet_HereOrOnAnotherInstance()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        await using var other = await BackendHost.StartAsync(database);
        var memory = host.Get<MemoryOrchestrator>();
        var before = Facts("old", 10);
        var added = Facts("new", 10);
        await memory.ProcessConversationAsync("eka", Guid.NewGuid(), before, CancellationToken.None);

        // The writer stops inside its transaction with half of the new facts written.
        var midway = host.Hooks.PauseOnce(HookPoint.MemoryWriteMidway);
        var writer = memory.ProcessConversationAsync("eka", Guid.NewGuid(), added, CancellationToken.None);
        var writing = await midway.Reached.Within();
        Assert.Equal("idle in transaction", await database.ScalarAsync<string>("SELECT state FROM pg_stat_activity WHERE pid = $1", writing.Connection!.ProcessID));
        Assert.Equal(10L, await database.ScalarAsync<long>("SELECT count(*) FROM memory_facts WHERE user_id = 'eka'"));

        using var client = host.Client("eka");
        var readers = Enumerable.Range(0, 10).Select(_ => client.GetOkAsync("/memory/context")).ToArray();

        // Another instance has no in-process lock to wait on: its reader gets the last committed snapshot, whole.
        var elsewhere = await other.Client("eka").GetOkAsync("/memory/context").Within();
        Assert.Equal(before.Order(StringComparer.Ordinal), Statements(elsewhere));
        Assert.Equal(10, elsewhere.GetProperty("factCount").GetInt32());
        Assert.All(readers, r => Assert.False(r.IsCompleted, "A reader of this instance passed a writer that holds the lock."));

        midway.Release();
        await writer.Within();
        foreach (var context in await Task.WhenAll(readers).Within())
        {
            // Writer preference: readers that arrived during the write see its result, complete.
            Assert.Equal(before.Concat(added).Order(StringComparer.Ordinal), Statements(context));
            Assert.Equal(20, context.GetProperty("factCount").GetInt32());
            Assert.Equal(2, context.GetProperty("conversationsProcessed").GetInt32());
        }
    }

    [Fact]
    public async Task Readers_HoldTheReadLockTogether()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        await host.Get<MemoryOrchestrator>().ProcessConversationAsync("fay", Guid.NewGuid(), Facts("some", 3), CancellationToken.None);

        // Each reader, inside the read lock, waits until all five are inside: serialized readers would never get there.
        const int Readers = 5;
        var inside = 0;
        var allInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Hooks.On(HookPoint.MemoryReadLocked, async (_, cancellationToken) =>
        {
            if (Interlocked.Increment(ref inside) == Readers)
            {
                allInside.TrySetResult();
            }

            await allInside.Task.WaitAsync(Gate.Hang, cancellationToken);
        });

        using var client = host.Client("fay");
        var contexts = await Task.WhenAll(Enumerable.Range(0, Readers).Select(_ => client.GetOkAsync("/memory/context"))).Within();
        Assert.All(contexts, c => Assert.Equal(3, c.GetProperty("factCount").GetInt32()));
        Assert.Equal(Readers, Volatile.Read(ref inside));
    }

    [Fact]
    public async Task RepeatedFacts_AreStoredOnce_AndCountedAtomically()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BackendHost.StartAsync(database);
        using var client = host.Client("gus");

        var saves = Enumerable.Range(0, 20).Select(i => client.PostOkAsync("/memory/conversations", new
        {
            messages = new[] { new { role = "user", content = $"I drink coffee. I drink  coffee! Item {i % 4} is mine." }, new { role = "assistant", content = "Noted, and this is not a user fact." } },
        }));
        await Task.WhenAll(saves).Within();

        Assert.Equal(5L, await database.ScalarAsync<long>("SELECT count(*) FROM memory_facts WHERE user_id = 'gus'"));
        Assert.Equal(20, await database.ScalarAsync<int>("SELECT mentions FROM memory_facts WHERE user_id = 'gus' AND statement = 'I drink coffee'"));
        Assert.Equal(5, await database.ScalarAsync<int>("SELECT fact_count FROM memory_profiles WHERE user_id = 'gus'"));
        Assert.Equal(20L, await database.ScalarAsync<long>("SELECT version FROM memory_profiles WHERE user_id = 'gus'"));
    }
}
