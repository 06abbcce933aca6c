using System.Globalization;
using Npgsql;

namespace Nuzantara.Concurrency.Postgres;

/// <summary>
/// A lock per key across processes, on PostgreSQL advisory locks: one holder per key at a time in every process that
/// uses the same database and <see cref="PostgresLockOptions.KeySpace"/>, every wait bounded by a timeout.
/// </summary>
/// <typeparam name="TKey">The key type, such as a user id or an order id.</typeparam>
/// <remarks>
/// <para><b>Session-scoped</b> (<see cref="LockAsync(TKey, CancellationToken)"/> and its overloads, the
/// <see cref="IKeyedAsyncLock{TKey}"/> surface): each held key holds one connection of the data source, opened for
/// the hold, on which <c>pg_advisory_lock</c> was granted. Disposing the handle runs <c>pg_advisory_unlock_all</c> on
/// it and returns it to the pool; prefer <c>await using</c>, since a synchronous dispose blocks on that round trip. If
/// the connection died meanwhile, PostgreSQL already released the lock when the session ended, and disposing does not
/// throw. A process that crashes releases its locks the same way.</para>
/// <para><b>Transaction-scoped</b> (<see cref="AcquireTransactionLockAsync(NpgsqlTransaction, TKey, CancellationToken)"/>):
/// <c>pg_advisory_xact_lock</c> on the caller's transaction, released by the server at commit or rollback; no
/// handle, no extra connection. Both scopes of one key space exclude each other.</para>
/// <para><b>Timeouts</b> are enforced by the server: the wait runs under a <c>lock_timeout</c> set for that statement
/// alone (PostgreSQL applies it to advisory lock waits), so a wait ends either granted or refused, never granted
/// behind the back of a client that gave up. <see cref="TimeSpan.Zero"/> only tries (<c>pg_try_advisory_lock</c>).
/// The timeout covers the in-process queue and the wait at the server; opening a connection is bounded by the data
/// source's own <c>Timeout</c>, and its time counts against the lock timeout. Cancellation sends PostgreSQL a
/// cancel request; an attempt that was cancelled or failed leaves no lock held and no connection out of the pool.</para>
/// <para><b>In-process queue</b>: unless <see cref="PostgresLockOptions.QueueInProcess"/> is off, flows of this
/// process wanting the same key first queue on an in-process <see cref="KeyedAsyncLock{TKey}"/>, and only the
/// first of them takes a connection to wait at the database; release goes in reverse order.</para>
/// <para><b>Keys</b> map to the advisory lock <c>(KeySpace, hash)</c>, the hash being the first four bytes of the
/// SHA-256 of the key's invariant string form (see <see cref="GetLockId(TKey)"/> and <see cref="AdvisoryLockId"/>).
/// Keys with equal string forms are the same lock; keys whose hashes collide only serialize each other.</para>
/// <para>Not re-entrant. The data source must not use multiplexing, and must point at the primary server.</para>
/// <para>Metrics go to the <c>Nuzantara.Concurrency</c> meter under the lock's name, with mode <c>exclusive</c> for
/// session-scoped and <c>transaction</c> for transaction-scoped acquisitions.</para>
/// </remarks>
/// <example>
/// <code>
/// private readonly PostgresKeyedAsyncLock&lt;string&gt; _saves = new(dataSource, new PostgresLockOptions
/// {
///     Name = "memory-save",
///     KeySpace = 1,
/// });
///
/// public async Task SaveAsync(string userId, Memory memory, CancellationToken cancellationToken)
/// {
///     await using (await _saves.LockAsync(userId, cancellationToken))
///     {
///         var current = await _store.LoadAsync(userId, cancellationToken);
///         await _store.WriteAsync(userId, current.Merge(memory), cancellationToken);
///     }
/// }
///
/// public async Task TransferAsync(NpgsqlTransaction transaction, string userId, CancellationToken cancellationToken)
/// {
///     await _saves.AcquireTransactionLockAsync(transaction, userId, cancellationToken);
///     // ... statements of the transaction; the lock is released at commit or rollback.
/// }
/// </code>
/// </example>
public sealed class PostgresKeyedAsyncLock<TKey> : IKeyedAsyncLock<TKey>
    where TKey : notnull
{
    private readonly AdvisoryLockCore _core;

    /// <summary>Creates an unnamed lock in key space zero with the default timeout of five seconds.</summary>
    /// <param name="dataSource">Where held connections come from; owned by the caller.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="dataSource"/> uses multiplexing.</exception>
    public PostgresKeyedAsyncLock(NpgsqlDataSource dataSource)
        : this(dataSource, null)
    {
    }

    /// <summary>Creates a lock with the given options.</summary>
    /// <param name="dataSource">Where held connections come from; owned by the caller.</param>
    /// <param name="options">Name, key space, default timeout and exception settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="dataSource"/> uses multiplexing.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options' default timeout is negative and not infinite.</exception>
    public PostgresKeyedAsyncLock(NpgsqlDataSource dataSource, PostgresLockOptions? options)
        => _core = new AdvisoryLockCore(dataSource, options);

    /// <summary>The lock's name, as used in metrics and exceptions.</summary>
    public string Name => _core.Instrumentation.Name;

    /// <summary>The timeout of the acquisitions that take none.</summary>
    public TimeSpan DefaultTimeout => _core.Instrumentation.DefaultTimeout;

    /// <summary>The first number of every advisory lock id of this lock (<see cref="PostgresLockOptions.KeySpace"/>).</summary>
    public int KeySpace => _core.KeySpace;

    /// <summary>The advisory lock that <paramref name="key"/> maps to, as found in <c>pg_locks</c>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The advisory lock id: this lock's key space and the key's hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The key's string form is <see cref="IFormattable.ToString(string, IFormatProvider)"/> with the invariant culture
    /// when the key is formattable (numbers, <see cref="Guid"/>), else <see cref="object.ToString"/>; a key type
    /// whose string form loses information (a <see cref="DateTime"/> to the second, say) makes the lost detail share
    /// one lock.
    /// </remarks>
    public AdvisoryLockId GetLockId(TKey key)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        var text = key is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : key.ToString();
        return AdvisoryLockId.FromString(_core.KeySpace, text ?? string.Empty);
    }

    /// <summary>Waits for the lock on <paramref name="key"/> for at most <see cref="DefaultTimeout"/>.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock; dispose it (preferably with <c>await using</c>) to release.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="NpgsqlException">The database could not be reached or failed the request.</exception>
    public ValueTask<LockHandle> LockAsync(TKey key, CancellationToken cancellationToken = default)
        => Acquire(key, _core.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <summary>Waits for the lock on <paramref name="key"/> for at most <paramref name="timeout"/>.</summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock; dispose it (preferably with <c>await using</c>) to release.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="NpgsqlException">The database could not be reached or failed the request.</exception>
    public ValueTask<LockHandle> LockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => Acquire(key, timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>
    /// Waits for the lock on <paramref name="key"/> for at most <paramref name="timeout"/>, and reports a timeout
    /// through <see cref="LockHandle.IsAcquired"/> instead of throwing.
    /// </summary>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock, or a handle whose <see cref="LockHandle.IsAcquired"/> is false.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="NpgsqlException">The database could not be reached or failed the request.</exception>
    public ValueTask<LockHandle> TryLockAsync(TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => Acquire(key, timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>
    /// Waits, within <paramref name="transaction"/>, for the transaction-scoped lock on <paramref name="key"/> for at
    /// most <see cref="DefaultTimeout"/>; the lock is released when the transaction commits or rolls back.
    /// </summary>
    /// <param name="transaction">The open transaction that will hold the lock.</param>
    /// <param name="key">The key to lock.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the lock is held.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> or <paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="transaction"/> has completed.</exception>
    /// <exception cref="LockTimeoutException">The default timeout elapsed first; the transaction stays usable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the transaction may have to be rolled back.</exception>
    /// <exception cref="NpgsqlException">The database failed the request (for instance, the transaction had already failed).</exception>
    /// <remarks>See <see cref="TryAcquireTransactionLockAsync"/>.</remarks>
    public Task AcquireTransactionLockAsync(NpgsqlTransaction transaction, TKey key, CancellationToken cancellationToken = default)
        => AcquireTransaction(transaction, key, _core.Instrumentation.DefaultTimeout, throwOnTimeout: true, cancellationToken);

    /// <summary>
    /// Waits, within <paramref name="transaction"/>, for the transaction-scoped lock on <paramref name="key"/> for at
    /// most <paramref name="timeout"/>; the lock is released when the transaction commits or rolls back.
    /// </summary>
    /// <param name="transaction">The open transaction that will hold the lock.</param>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the lock is held.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> or <paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="transaction"/> has completed.</exception>
    /// <exception cref="LockTimeoutException"><paramref name="timeout"/> elapsed first; the transaction stays usable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the transaction may have to be rolled back.</exception>
    /// <exception cref="NpgsqlException">The database failed the request (for instance, the transaction had already failed).</exception>
    /// <remarks>See <see cref="TryAcquireTransactionLockAsync"/>.</remarks>
    public Task AcquireTransactionLockAsync(NpgsqlTransaction transaction, TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => AcquireTransaction(transaction, key, timeout, throwOnTimeout: true, cancellationToken);

    /// <summary>
    /// Waits, within <paramref name="transaction"/>, for the transaction-scoped lock on <paramref name="key"/> for at
    /// most <paramref name="timeout"/>, and reports a timeout by returning <see langword="false"/>.
    /// </summary>
    /// <param name="transaction">The open transaction that will hold the lock.</param>
    /// <param name="key">The key to lock.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries (<c>pg_try_advisory_xact_lock</c>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the lock is now held by the transaction.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> or <paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="transaction"/> has completed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the transaction may have to be rolled back.</exception>
    /// <exception cref="NpgsqlException">The database failed the request (for instance, the transaction had already failed).</exception>
    /// <remarks>
    /// <para>The wait runs in a savepoint under a <c>lock_timeout</c> set for it alone, so a timeout leaves the
    /// transaction usable and the transaction's own <c>lock_timeout</c> unchanged. The lock has no handle and cannot
    /// be released early; the in-process queue is not used (the wait runs on the caller's connection). A lock the
    /// transaction already holds is granted again at once.</para>
    /// </remarks>
    public Task<bool> TryAcquireTransactionLockAsync(NpgsqlTransaction transaction, TKey key, TimeSpan timeout, CancellationToken cancellationToken = default)
        => AcquireTransaction(transaction, key, timeout, throwOnTimeout: false, cancellationToken);

    private ValueTask<LockHandle> Acquire(TKey key, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        var id = GetLockId(key);
        LockInstrumentation.ValidateTimeout(timeout);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<LockHandle>(cancellationToken);
        }

        return _core.AcquireSessionAsync(id, _core.Instrumentation.IncludeKeyInExceptions ? key : null, timeout, throwOnTimeout, cancellationToken);
    }

    private Task<bool> AcquireTransaction(NpgsqlTransaction transaction, TKey key, TimeSpan timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var id = GetLockId(key);
        LockInstrumentation.ValidateTimeout(timeout);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        return _core.AcquireTransactionAsync(transaction, id, _core.Instrumentation.IncludeKeyInExceptions ? key : null, timeout, throwOnTimeout, cancellationToken);
    }
}
