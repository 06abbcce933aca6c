namespace Nuzantara.Concurrency;

/// <summary>
/// A held lock. Dispose it (with <c>using</c>) to release the lock; disposing it again, or disposing a copy, does
/// nothing.
/// </summary>
/// <remarks>
/// <para>A handle returned by a <c>TryLockAsync</c> method that could not acquire the lock has
/// <see cref="IsAcquired"/> set to <see langword="false"/>; disposing it does nothing.</para>
/// <para>The handle is a struct, so an uncontended acquisition allocates nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// using (await _locks.LockAsync(userId, cancellationToken))
/// {
///     // one flow per user at a time
/// }
/// </code>
/// </example>
public readonly struct LockHandle : IDisposable, IAsyncDisposable
{
    private readonly LockReleaser? _releaser;
    private readonly int _token;

    internal LockHandle(LockReleaser releaser, int token)
    {
        _releaser = releaser;
        _token = token;
    }

    /// <summary>Whether the acquisition succeeded; <see langword="false"/> only for a failed <c>TryLockAsync</c>.</summary>
    public bool IsAcquired => _releaser is not null;

    /// <summary>Releases the lock, once; later calls do nothing.</summary>
    public void Dispose() => _releaser?.Release(_token);

    /// <summary>Releases the lock, once; later calls do nothing.</summary>
    /// <returns>A task that completes when the lock has been released (at once for in-process locks).</returns>
    public ValueTask DisposeAsync() => _releaser is null ? default : _releaser.ReleaseAsync(_token);
}
