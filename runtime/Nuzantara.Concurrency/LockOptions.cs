namespace Nuzantara.Concurrency;

/// <summary>Settings shared by every lock type of this library.</summary>
/// <example>
/// <code>
/// private readonly KeyedAsyncLock&lt;string&gt; _saves = new(new LockOptions
/// {
///     Name = "memory-save",
///     DefaultTimeout = TimeSpan.FromSeconds(2),
/// });
/// </code>
/// </example>
public sealed class LockOptions
{
    /// <summary>The timeout used by acquisitions that do not pass one: five seconds.</summary>
    public static readonly TimeSpan StandardTimeout = TimeSpan.FromSeconds(5);

    internal static readonly LockOptions Default = new();

    /// <summary>
    /// The lock's name, used in <see cref="LockTimeoutException"/> messages and as the <c>lock.name</c> tag of
    /// its metrics. Keep the set of names small and fixed (one per lock field, not per user or entity).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// How long <c>LockAsync</c> without a timeout argument waits before throwing <see cref="LockTimeoutException"/>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever, which is rarely what a service wants.
    /// </summary>
    public TimeSpan DefaultTimeout { get; init; } = StandardTimeout;

    /// <summary>
    /// Whether <see cref="LockTimeoutException.Key"/> and its message carry the key that timed out. Off by default:
    /// keys are often personal data (user ids, emails) that must not reach logs.
    /// </summary>
    public bool IncludeKeyInExceptions { get; init; }

    /// <summary>
    /// How many independently locked partitions a keyed lock spreads its keys over; rounded up to a power of two.
    /// Zero (the default) picks eight per processor. More partitions mean less interference between unrelated keys.
    /// </summary>
    public int Partitions { get; init; }
}
