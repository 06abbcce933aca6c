using System.Collections.Concurrent;
using Nuzantara.Backend.Infrastructure.Hooks;

namespace Nuzantara.Backend.Tests.Infrastructure;

/// <summary>
/// The tests' <see cref="IBackendHooks"/>: a test arms a hook point with a handler; a flow reaching that point runs
/// it (and waits for it). Unarmed points pass straight through.
/// </summary>
internal sealed class TestHooks : IBackendHooks
{
    private readonly ConcurrentDictionary<HookPoint, Func<HookContext, CancellationToken, ValueTask>> _handlers = new();

    public ValueTask OnAsync(HookPoint point, HookContext context, CancellationToken cancellationToken)
        => _handlers.TryGetValue(point, out var handler) ? handler(context, cancellationToken) : ValueTask.CompletedTask;

    public void On(HookPoint point, Func<HookContext, CancellationToken, ValueTask> handler) => _handlers[point] = handler;

    public void Clear(HookPoint point) => _handlers.TryRemove(point, out _);

    /// <summary>
    /// Pauses the first flow that reaches <paramref name="point"/> with a matching key until the returned gate is
    /// opened; later flows pass.
    /// </summary>
    public PausedFlow PauseOnce(HookPoint point, Func<HookContext, bool>? match = null)
    {
        var paused = new PausedFlow();
        var taken = 0;
        On(point, async (context, _) =>
        {
            if ((match is null || match(context)) && Interlocked.Exchange(ref taken, 1) == 0)
            {
                paused.Arrived(context);
                await paused.Released;
            }
        });
        return paused;
    }
}

/// <summary>A flow held at a hook point: <see cref="Reached"/> completes when it arrives; <see cref="Release"/> lets it go on.</summary>
internal sealed class PausedFlow
{
    private readonly TaskCompletionSource<HookContext> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<HookContext> Reached => _reached.Task;

    public Task Released => _release.Task;

    public void Release() => _release.TrySetResult();

    internal void Arrived(HookContext context) => _reached.TrySetResult(context);
}

/// <summary>Bounds for waits that only a hung test reaches; never part of the ordering.</summary>
internal static class Gate
{
    internal static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    internal static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Hang);

    internal static Task Within(this Task task) => task.WaitAsync(Hang);
}
