using System.Threading.Channels;

namespace Nuzantara.Backend.Infrastructure.BackgroundWork;

/// <summary>
/// Wakes a polling worker early: <see cref="Notify"/> from any thread, <see cref="WaitAsync"/> from the worker.
/// Notifications while one is pending collapse into it. A signal, not a lock: nothing is held or released.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>Completes with true when notified, false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
