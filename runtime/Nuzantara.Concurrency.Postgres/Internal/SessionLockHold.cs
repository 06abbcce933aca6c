using Npgsql;

namespace Nuzantara.Concurrency.Postgres;

/// <summary>One session-level advisory lock: its dedicated connection and its place in the in-process queue.</summary>
/// <remarks>
/// Used for one holding only and never pooled, so a flag rather than the token tells a second dispose (or a copy's)
/// from the first: the connection may already be back in the pool, serving someone else, and must not be touched.
/// </remarks>
internal sealed class SessionLockHold : LockReleaser
{
    private readonly AdvisoryLockCore _core;
    private readonly NpgsqlConnection _connection;
    private readonly LockHandle _queued;
    private readonly long _since;
    private int _released;

    internal SessionLockHold(AdvisoryLockCore core, NpgsqlConnection connection, LockHandle queued, long since)
    {
        _core = core;
        _connection = connection;
        _queued = queued;
        _since = since;
    }

    internal override void Release(int token)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            AdvisoryLockCore.CloseSession(_connection);
        }
        finally
        {
            // Database first, then the in-process queue: the next local flow must find the advisory lock free.
            _queued.Dispose();
            _core.OnSessionReleased(_since);
        }
    }

    internal override async ValueTask ReleaseAsync(int token)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            await AdvisoryLockCore.CloseSessionAsync(_connection, unlock: true).ConfigureAwait(false);
        }
        finally
        {
            _queued.Dispose();
            _core.OnSessionReleased(_since);
        }
    }
}
