namespace Nuzantara.Backend;

/// <summary>The service's settings, bound from the <c>Backend</c> configuration section.</summary>
internal sealed class BackendOptions
{
    internal const string Section = "Backend";

    public LimitOptions Limits { get; init; } = new();

    public LockTimeoutOptions Locks { get; init; } = new();

    public CollectionOptions Collections { get; init; } = new();

    public int PromotionThreshold { get; init; } = 3;

    public int ConversationCacheCapacity { get; init; } = 10_000;

    public WorkerOptions Workers { get; init; } = new();
}

/// <summary>Request size limits; anything larger is refused with a 4xx problem before anything is written.</summary>
internal sealed class LimitOptions
{
    public long MaxRequestBodyBytes { get; init; } = 1_048_576;

    public int MaxMessageChars { get; init; } = 4_000;

    public int MaxMessagesPerSave { get; init; } = 100;

    public int MaxQuestionChars { get; init; } = 2_000;

    public int MaxStatementChars { get; init; } = 500;

    public int MaxDocumentsPerIngest { get; init; } = 5_000;

    public int MaxDocumentChars { get; init; } = 20_000;
}

/// <summary>How long each named lock may be waited for.</summary>
internal sealed class LockTimeoutOptions
{
    /// <summary>Background memory saves of one user queue this long before the save goes to the retry queue.</summary>
    public TimeSpan MemorySave { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Readers and writers of one user's memory.</summary>
    public TimeSpan MemoryOrchestrator { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An ingestion waits this long for another ingestion of the same collection, then gets 409.</summary>
    public TimeSpan CollectionIngest { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Searches and the short version flip of one collection.</summary>
    public TimeSpan CollectionSnapshot { get; init; } = TimeSpan.FromSeconds(5);
}

internal sealed class CollectionOptions
{
    /// <summary>Documents written per transaction while an ingestion is still invisible to searches.</summary>
    public int IngestChunkSize { get; init; } = 250;

    public int EmbeddingDimensions { get; init; } = 256;

    public int SearchCacheEntries { get; init; } = 1_024;
}

internal sealed class WorkerOptions
{
    /// <summary>
    /// Whether the retry worker drains the queue in the background. Off only where a test drives the drain itself,
    /// to observe the state before the retry.
    /// </summary>
    public bool RetryInBackground { get; init; } = true;

    public TimeSpan RetryPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public int RetryBatchSize { get; init; } = 32;

    public TimeSpan RetryLease { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan OutboxPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromSeconds(30);
}
