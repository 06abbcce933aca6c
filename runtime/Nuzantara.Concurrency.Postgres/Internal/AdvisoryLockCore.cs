using System.Data;
using System.Diagnostics;
using Npgsql;

namespace Nuzantara.Concurrency.Postgres;

/// <summary>
/// Everything of a <see cref="PostgresKeyedAsyncLock{TKey}"/> that does not depend on the key type: connections,
/// the in-process queue, the SQL round trips and the metrics.
/// </summary>
internal sealed class AdvisoryLockCore : ILockGauges
{
    private const string DefaultName = "PostgresKeyedAsyncLock";

    private readonly NpgsqlDataSource _dataSource;
    private readonly KeyedAsyncLock<int>? _queue;
    private readonly KeyValuePair<string, object?>[] _transactionTags;
    private long _remoteActive;
    private long _waiting;

    internal AdvisoryLockCore(NpgsqlDataSource dataSource, PostgresLockOptions? options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options ??= PostgresLockOptions.Default;
        if (new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Multiplexing)
        {
            // A multiplexed connection is not bound to one server session, and a session-level lock needs one.
            throw new ArgumentException("Session-scoped advisory locks need a data source without multiplexing.", nameof(dataSource));
        }

        _dataSource = dataSource;
        Instrumentation = new LockInstrumentation(
            new LockOptions { Name = options.Name, DefaultTimeout = options.DefaultTimeout, IncludeKeyInExceptions = options.IncludeKeyInExceptions },
            DefaultName,
            readerWriter: false);
        KeySpace = options.KeySpace;
        if (options.QueueInProcess)
        {
            // Keyed by the hash, not the key: flows the database would serialize (equal keys, colliding keys) queue
            // together here as well, and the queue keeps no caller's key alive.
            _queue = new KeyedAsyncLock<int>(new LockOptions { Name = Instrumentation.Name + ".local", DefaultTimeout = Timeout.InfiniteTimeSpan });
        }

        _transactionTags = [new(LockMetrics.NameTag, Instrumentation.Name), new(LockMetrics.ModeTag, "transaction")];
        LockMetrics.Register(this);
    }

    internal LockInstrumentation Instrumentation { get; }

    internal int KeySpace { get; }

    public string Name => Instrumentation.Name;

    /// <summary>Keys this process holds or waits for at the database (with the in-process queue, one per key).</summary>
    public long ActiveKeys => Volatile.Read(ref _remoteActive);

    /// <summary>Acquisitions of this process still waiting, in the in-process queue or at the database.</summary>
    public long Waiters => Volatile.Read(ref _waiting);

    private ReadOnlySpan<KeyValuePair<string, object?>> SessionTags => Instrumentation.TagsOf(read: false);

    internal async ValueTask<LockHandle> AcquireSessionAsync(AdvisoryLockId id, object? key, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _waiting);
        LockHandle queued = default;
        NpgsqlConnection? connection = null;
        var atDatabase = false;
        var connectionClean = false;
        try
        {
            if (_queue is not null)
            {
                queued = await _queue.TryLockAsync(id.Hash, timeout, cancellationToken).ConfigureAwait(false);
                if (!queued.IsAcquired)
                {
                    return TimedOut(SessionTags, started, key, throwOnTimeout);
                }
            }

            Interlocked.Increment(ref _remoteActive);
            atDatabase = true;
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            if (!await TryLockSessionAsync(connection, id, Remaining(timeout, started), cancellationToken).ConfigureAwait(false))
            {
                // Refused by pg_try_advisory_lock or by lock_timeout: nothing was granted, the connection is clean.
                connectionClean = true;
                return TimedOut(SessionTags, started, key, throwOnTimeout);
            }

            RecordWait(SessionTags, started);
            var hold = new SessionLockHold(this, connection, queued, LockMetrics.HoldDuration.Enabled ? Stopwatch.GetTimestamp() : 0);
            connection = null;
            queued = default;
            atDatabase = false;
            return new LockHandle(hold, 0);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LockMetrics.Cancellations.Add(1, SessionTags);
            throw;
        }
        finally
        {
            try
            {
                if (connection is not null)
                {
                    // After a cancellation or an error the server may have granted the lock just before the statement
                    // failed (a session-level lock outlives the failure of the transaction that took it), so clean up.
                    await CloseSessionAsync(connection, unlock: !connectionClean).ConfigureAwait(false);
                }
            }
            finally
            {
                if (atDatabase)
                {
                    Interlocked.Decrement(ref _remoteActive);
                }

                queued.Dispose();
                Interlocked.Decrement(ref _waiting);
            }
        }
    }

    internal async Task<bool> AcquireTransactionAsync(NpgsqlTransaction transaction, AdvisoryLockId id, object? key, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection
            ?? throw new InvalidOperationException("The transaction has already been committed or rolled back.");
        var started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _waiting);
        try
        {
            bool acquired;
            if (timeout == TimeSpan.Zero)
            {
                var command = new NpgsqlCommand(AdvisoryLockSql.TryTransactionLock, connection, transaction);
                await using var commandScope = command.ConfigureAwait(false);
                AddId(command.Parameters, id);
                acquired = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            else
            {
                acquired = await WaitTransactionLockAsync(connection, transaction, id, timeout, cancellationToken).ConfigureAwait(false);
            }

            if (!acquired)
            {
                TimedOut(_transactionTags, started, key, throwOnTimeout);
                return false;
            }

            RecordWait(_transactionTags, started);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LockMetrics.Cancellations.Add(1, _transactionTags);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    internal void OnSessionReleased(long since)
    {
        Interlocked.Decrement(ref _remoteActive);
        Instrumentation.RecordHold(read: false, since);
    }

    /// <summary>Unlocks (when asked) and returns the connection to the pool, or makes sure it is not pooled.</summary>
    internal static async ValueTask CloseSessionAsync(NpgsqlConnection connection, bool unlock)
    {
        if (unlock && !await TryUnlockAllAsync(connection).ConfigureAwait(false))
        {
            Discard(connection);
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The synchronous twin of <see cref="CloseSessionAsync"/>, for <see cref="LockHandle.Dispose"/>.</summary>
    internal static void CloseSession(NpgsqlConnection connection)
    {
        if (!TryUnlockAll(connection))
        {
            Discard(connection);
        }

        connection.Dispose();
    }

    private static async ValueTask<bool> TryUnlockAllAsync(NpgsqlConnection connection)
    {
        // Two attempts: a cancellation request that reached the server late can fail the first statement after it.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                var command = new NpgsqlCommand(AdvisoryLockSql.UnlockAll, connection);
                await using var commandScope = command.ConfigureAwait(false);
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                return true;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or IOException)
            {
                if (IsSessionGone(connection))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool TryUnlockAll(NpgsqlConnection connection)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using var command = new NpgsqlCommand(AdvisoryLockSql.UnlockAll, connection);
                command.ExecuteNonQuery();
                return true;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or IOException)
            {
                if (IsSessionGone(connection))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// A broken connection is never pooled, and its server session released every advisory lock when it ended (or
    /// will, as soon as the server notices the client is gone).
    /// </summary>
    private static bool IsSessionGone(NpgsqlConnection connection)
        => connection.FullState is ConnectionState.Broken or ConnectionState.Closed;

    /// <summary>
    /// The connection may still hold the lock and cannot be cleaned: make the pool close it instead of keeping it
    /// (Npgsql has no way to discard one connection, so this also closes the pool's idle ones; it is a last resort).
    /// Closing the session releases its advisory locks.
    /// </summary>
    private static void Discard(NpgsqlConnection connection) => NpgsqlConnection.ClearPool(connection);

    private static async ValueTask<bool> TryLockSessionAsync(NpgsqlConnection connection, AdvisoryLockId id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout == TimeSpan.Zero)
        {
            var tryCommand = new NpgsqlCommand(AdvisoryLockSql.TrySessionLock, connection);
            await using var tryCommandScope = tryCommand.ConfigureAwait(false);
            AddId(tryCommand.Parameters, id);
            return (bool)(await tryCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var command = new NpgsqlCommand(AdvisoryLockSql.WaitingLock(id, LockTimeoutMilliseconds(timeout), transactionScoped: false), connection)
        {
            CommandTimeout = CommandTimeoutSeconds(timeout, connection),
        };
        await using var commandScope = command.ConfigureAwait(false);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
    }

    private static async ValueTask<bool> WaitTransactionLockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AdvisoryLockId id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Inside a savepoint, so that a timed-out (or cancelled) wait leaves the caller's transaction usable, as a
        // failed TryAcquireTransactionLockAsync must; one round trip when the lock is granted.
        var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(AdvisoryLockSql.Savepoint),
                new NpgsqlBatchCommand(AdvisoryLockSql.WaitingLock(id, LockTimeoutMilliseconds(timeout), transactionScoped: true)),
                new NpgsqlBatchCommand(AdvisoryLockSql.ReleaseSavepoint),
            },
            Timeout = CommandTimeoutSeconds(timeout, connection),
        };
        await using var batchScope = batch.ConfigureAwait(false);
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await RollbackToSavepointAsync(connection, transaction).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Also undoes a lock granted just before the cancellation landed on the statement after it.
                await RollbackToSavepointAsync(connection, transaction).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                // The cancellation struck before the savepoint existed: the transaction is aborted, as any cancelled
                // statement leaves it, and the caller rolls it back. Report the cancellation, not this.
            }

            throw;
        }
    }

    private static async ValueTask RollbackToSavepointAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(AdvisoryLockSql.RollbackToSavepoint),
                new NpgsqlBatchCommand(AdvisoryLockSql.ReleaseSavepoint),
            },
        };
        await using var batchScope = batch.ConfigureAwait(false);
        await batch.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static void AddId(NpgsqlParameterCollection parameters, AdvisoryLockId id)
    {
        parameters.Add(new NpgsqlParameter<int> { TypedValue = id.KeySpace });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = id.Hash });
    }

    private static TimeSpan Remaining(TimeSpan timeout, long started)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return timeout;
        }

        var remaining = timeout - Stopwatch.GetElapsedTime(started);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    /// <summary><c>lock_timeout</c> counts whole milliseconds up to <see cref="int.MaxValue"/>; zero disables it.</summary>
    private static int LockTimeoutMilliseconds(TimeSpan timeout)
        => timeout == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 1, int.MaxValue);

    /// <summary>
    /// The server ends the wait; the command timeout is only a backstop for a server that stopped answering, so it
    /// allows the whole lock timeout plus the data source's usual command timeout (zero, for ever, stays for ever).
    /// </summary>
    private static int CommandTimeoutSeconds(TimeSpan timeout, NpgsqlConnection connection)
        => timeout == Timeout.InfiniteTimeSpan || connection.CommandTimeout == 0
            ? 0
            : (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalSeconds) + connection.CommandTimeout);

    private static void RecordWait(ReadOnlySpan<KeyValuePair<string, object?>> tags, long started)
    {
        if (LockMetrics.WaitDuration.Enabled)
        {
            LockMetrics.WaitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private LockHandle TimedOut(ReadOnlySpan<KeyValuePair<string, object?>> tags, long started, object? key, bool throwOnTimeout)
    {
        LockMetrics.Timeouts.Add(1, tags);
        return throwOnTimeout
            ? throw new LockTimeoutException(Instrumentation.Name, LockMode.Exclusive, Stopwatch.GetElapsedTime(started), key)
            : default;
    }
}
