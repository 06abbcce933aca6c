using System.Globalization;

namespace Nuzantara.Concurrency.Postgres;

/// <summary>The SQL this library sends; one place, so what runs on the server can be read at a glance.</summary>
internal static class AdvisoryLockSql
{
    internal const string TrySessionLock = "SELECT pg_try_advisory_lock($1, $2)";

    internal const string TryTransactionLock = "SELECT pg_try_advisory_xact_lock($1, $2)";

    /// <summary>
    /// Releases every session-level advisory lock of the connection. A held connection is dedicated to one key, so
    /// this is exactly its lock (or nothing, after an attempt that failed), and a connection goes back to the pool
    /// holding no advisory lock: Npgsql resets a pooled connection only when it is next opened, so a lock left on it
    /// would stay held while it sits idle.
    /// </summary>
    internal const string UnlockAll = "SELECT pg_advisory_unlock_all()";

    internal const string Savepoint = "SAVEPOINT nuzantara_advisory_lock";

    internal const string ReleaseSavepoint = "RELEASE SAVEPOINT nuzantara_advisory_lock";

    internal const string RollbackToSavepoint = "ROLLBACK TO SAVEPOINT nuzantara_advisory_lock";

    /// <summary>
    /// A blocking acquisition bounded on the server by <c>lock_timeout</c>, which PostgreSQL applies to advisory lock
    /// waits as to any heavyweight lock: the wait ends either granted or with SQLSTATE 55P03 and nothing held, with no
    /// window in which a client-side timer could cancel a wait the server has just granted.
    /// </summary>
    /// <remarks>
    /// <para>A DO block because its statements run in order: the setting is made <c>LOCAL</c> before the wait and put
    /// back after it, so neither a pooled connection nor the caller's transaction keeps our value. Outside a
    /// transaction block the DO block is its own transaction, so a failed wait reverts the setting too.</para>
    /// <para>DO takes no parameters; the text is built from integers only, formatted invariantly.</para>
    /// </remarks>
    /// <param name="id">The advisory lock.</param>
    /// <param name="timeoutMilliseconds">The <c>lock_timeout</c> in milliseconds; zero waits for ever.</param>
    /// <param name="transactionScoped">Whether to take <c>pg_advisory_xact_lock</c> instead of <c>pg_advisory_lock</c>.</param>
    internal static string WaitingLock(AdvisoryLockId id, int timeoutMilliseconds, bool transactionScoped)
    {
        var function = transactionScoped ? "pg_advisory_xact_lock" : "pg_advisory_lock";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"""
            DO $nuzantara$
            DECLARE
                previous text := current_setting('lock_timeout');
            BEGIN
                PERFORM set_config('lock_timeout', '{timeoutMilliseconds}', true);
                PERFORM {function}({id.KeySpace}, {id.Hash});
                PERFORM set_config('lock_timeout', previous, true);
            END
            $nuzantara$
            """);
    }
}
