namespace Nuzantara.Concurrency;

/// <summary>Whatever a <see cref="LockHandle"/> releases: a key's state, a reader's ticket or a remote lock.</summary>
/// <remarks>
/// The token identifies one holding; releasers bump it on release so that a second dispose of the same handle, or a
/// stale copy of it, is recognised and ignored even after the releaser object has been pooled and reused.
/// </remarks>
internal abstract class LockReleaser
{
    internal abstract void Release(int token);

    internal virtual ValueTask ReleaseAsync(int token)
    {
        Release(token);
        return default;
    }
}
