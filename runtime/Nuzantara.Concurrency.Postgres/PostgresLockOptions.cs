namespace Nuzantara.Concurrency.Postgres;

/// <summary>Settings of a <see cref="PostgresKeyedAsyncLock{TKey}"/>.</summary>
/// <example>
/// <code>
/// private readonly PostgresKeyedAsyncLock&lt;Guid&gt; _orders = new(dataSource, new PostgresLockOptions
/// {
///     Name = "order-checkout",
///     KeySpace = 1001,
///     DefaultTimeout = TimeSpan.FromSeconds(2),
/// });
/// </code>
/// </example>
public sealed class PostgresLockOptions
{
    internal static readonly PostgresLockOptions Default = new();

    /// <summary>
    /// The lock's name, used in <see cref="LockTimeoutException"/> messages and as the <c>lock.name</c> tag of its
    /// metrics. Keep the set of names small and fixed (one per lock, not per user or entity). The name plays no part
    /// in which advisory lock a key maps to: that is <see cref="KeySpace"/>'s job, so renaming a lock is safe.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// How long <c>LockAsync</c> and <c>AcquireTransactionLockAsync</c> without a timeout argument wait before
    /// throwing <see cref="LockTimeoutException"/>: five seconds unless set.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever, which is rarely what a service wants.
    /// </summary>
    public TimeSpan DefaultTimeout { get; init; } = LockOptions.StandardTimeout;

    /// <summary>
    /// Whether <see cref="LockTimeoutException.Key"/> and its message carry the key that timed out. Off by default:
    /// keys are often personal data (user ids, emails) that must not reach logs.
    /// </summary>
    public bool IncludeKeyInExceptions { get; init; }

    /// <summary>
    /// The first of the two 32-bit numbers that make up the advisory lock id of every key of this lock
    /// (<c>pg_advisory_lock(KeySpace, hash)</c>); zero unless set.
    /// </summary>
    /// <remarks>
    /// <para>Give every lock that shares a database its own constant key space. Locks with different key spaces never
    /// exclude each other, whatever their keys; locks with the same key space and the same key exclude each other, in
    /// every process that uses that database. A forgotten key space is safe, only slower: unrelated locks that share
    /// one serialize on equal keys.</para>
    /// <para>Keep the value stable across versions: processes that disagree on it during a rolling deployment do not
    /// exclude each other. Advisory locks taken with a single <c>bigint</c> (as many tools do) live in a separate
    /// space and never collide with these.</para>
    /// </remarks>
    public int KeySpace { get; init; }

    /// <summary>
    /// Whether acquisitions from this process queue on an in-process <see cref="KeyedAsyncLock{TKey}"/> before they
    /// ask the database; on by default.
    /// </summary>
    /// <remarks>
    /// With the queue, flows of one process that want the same key wait in memory, first come first served, and only
    /// the one at the head holds a database connection while it waits for the advisory lock; without it, each waiting
    /// flow holds a pooled connection, and a burst on one key can drain the pool. The in-process queue reports its
    /// own metrics under the lock's name followed by <c>.local</c>. Transaction-scoped acquisitions bypass it: they
    /// run on the caller's connection.
    /// </remarks>
    public bool QueueInProcess { get; init; } = true;
}
