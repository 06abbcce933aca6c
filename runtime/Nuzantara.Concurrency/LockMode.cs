namespace Nuzantara.Concurrency;

/// <summary>How a lock is held.</summary>
public enum LockMode
{
    /// <summary>Held alone: by <see cref="AsyncLock"/> and <see cref="KeyedAsyncLock{TKey}"/>.</summary>
    Exclusive,

    /// <summary>Shared with other readers of a reader-writer lock.</summary>
    Read,

    /// <summary>Held alone, excluding readers and other writers of a reader-writer lock.</summary>
    Write,
}
