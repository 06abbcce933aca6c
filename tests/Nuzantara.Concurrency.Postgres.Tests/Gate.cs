namespace Nuzantara.Concurrency.Postgres.Tests;

/// <summary>Helpers that order steps of a concurrency test without sleeping.</summary>
internal static class Gate
{
    internal static async Task<T> Within<T>(this ValueTask<T> task) => await task.AsTask().WaitAsync(TestDatabase.Hang);

    internal static async Task<T> Within<T>(this Task<T> task) => await task.WaitAsync(TestDatabase.Hang);

    internal static async Task Within(this Task task) => await task.WaitAsync(TestDatabase.Hang);

    /// <summary>Asserts that an acquisition is still pending; it completes only by a grant, a timeout or a cancellation.</summary>
    internal static void Pending(Task task) => Assert.False(task.IsCompleted, "The acquisition completed but should still be waiting.");
}
