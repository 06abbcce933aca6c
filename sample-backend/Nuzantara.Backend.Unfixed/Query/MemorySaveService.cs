using System.Collections.Concurrent;
using Npgsql;
using Nuzantara.Backend.Unfixed.Memory;

namespace Nuzantara.Backend.Unfixed.Query;

/// <summary>
/// Area 1, as first designed: after a query the user's memory is saved in the background, one save per user at a
/// time, with a semaphore per user.
/// </summary>
internal sealed partial class MemorySaveService(MemoryOrchestrator memory, ILogger<MemorySaveService> logger)
{
    // Race (NZ1004): a semaphore per user id ever seen, never removed; memory grows with every user.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _userLocks = new();
    private int _pendingSaves;
    private long _factsSaved;

    /// <summary>Saves still running, shown on the status page.</summary>
    public int PendingSaves => _pendingSaves;

    public long FactsSaved => _factsSaved;

    public async Task SaveAsync(string userId, IReadOnlyList<string> facts)
    {
        // Race (NZ2001): concurrent saves increment and decrement the counter without a lock and lose updates.
        _pendingSaves++;
        try
        {
            // Race (NZ2002): the total is read before the await and written after it; a concurrent save's count,
            // added in between, is lost.
            _factsSaved += await SaveUnderUserLockAsync(userId, facts);
        }
        catch (NpgsqlException exception)
        {
            // The save is lost: nothing retries it, and only this log line says so.
            LogSaveFailed(exception);
        }
        finally
        {
            _pendingSaves--;
        }
    }

    private async Task<int> SaveUnderUserLockAsync(string userId, IReadOnlyList<string> facts)
    {
        var userLock = _userLocks.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
        try
        {
            // Race (NZ1001, NZ1003): no timeout, so one stuck save blocks this user's saves for ever; and the wait is
            // inside the try, so a wait that throws still releases a semaphore it never took.
            await userLock.WaitAsync();
            return await memory.ProcessConversationAsync(userId, facts, CancellationToken.None);
        }
        finally
        {
            userLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Memory save failed")]
    private partial void LogSaveFailed(Exception exception);
}
