namespace Nuzantara.Concurrency.Tests;

/// <summary>Helpers that order steps of a concurrency test without sleeping.</summary>
internal static class Gate
{
    /// <summary>A generous bound that only a hung test reaches; never part of the ordering.</summary>
    internal static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    internal static TaskCompletionSource Open() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal static TaskCompletionSource<T> Open<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Awaits a task that must complete; fails the test instead of hanging if it does not.</summary>
    internal static async Task<T> Within<T>(this ValueTask<T> task) => await task.AsTask().WaitAsync(Hang);

    internal static async Task<T> Within<T>(this Task<T> task) => await task.WaitAsync(Hang);

    internal static async Task Within(this Task task) => await task.WaitAsync(Hang);

    /// <summary>Asserts that an acquisition is still pending; pending tasks of this library complete only by a grant, a timeout or a cancellation.</summary>
    internal static void Pending<T>(ValueTask<T> task) => Assert.False(task.IsCompleted, "The acquisition completed but should still be waiting.");
}
