using System.Diagnostics;

namespace Nuzantara.Concurrency;

/// <summary>What one lock object reports about itself: its name, options and metric tags.</summary>
internal sealed class LockInstrumentation
{
    private readonly KeyValuePair<string, object?>[] _exclusiveTags;
    private readonly KeyValuePair<string, object?>[] _readTags;
    private readonly KeyValuePair<string, object?>[] _writeTags;

    internal LockInstrumentation(LockOptions? options, string defaultName, bool readerWriter)
    {
        options ??= LockOptions.Default;
        if (options.DefaultTimeout < TimeSpan.Zero && options.DefaultTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DefaultTimeout, "The default timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        Name = string.IsNullOrEmpty(options.Name) ? defaultName : options.Name!;
        DefaultTimeout = options.DefaultTimeout;
        IncludeKeyInExceptions = options.IncludeKeyInExceptions;
        IsReaderWriter = readerWriter;
        _exclusiveTags = Tags(Name, "exclusive");
        _readTags = Tags(Name, "read");
        _writeTags = Tags(Name, "write");
    }

    internal string Name { get; }

    internal TimeSpan DefaultTimeout { get; }

    internal bool IncludeKeyInExceptions { get; }

    internal bool IsReaderWriter { get; }

    internal LockMode ModeOf(bool read) => read ? LockMode.Read : IsReaderWriter ? LockMode.Write : LockMode.Exclusive;

    internal ReadOnlySpan<KeyValuePair<string, object?>> TagsOf(bool read)
        => read ? _readTags : IsReaderWriter ? _writeTags : _exclusiveTags;

    internal ReadOnlySpan<KeyValuePair<string, object?>> NameTag => _exclusiveTags.AsSpan(0, 1);

    internal static void ValidateTimeout(TimeSpan timeout)
    {
        // Timer's limit; anything longer is a mistake rather than a wish to wait 49 days.
        const double MaxMilliseconds = uint.MaxValue - 1.0;
        if ((timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan) || timeout.TotalMilliseconds > MaxMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more and under 49 days, or Timeout.InfiniteTimeSpan.");
        }
    }

    internal void RecordUncontendedWait(bool read)
    {
        if (LockMetrics.WaitDuration.Enabled)
        {
            LockMetrics.WaitDuration.Record(0, TagsOf(read));
        }
    }

    internal void RecordHold(bool read, long since)
    {
        if (since != 0 && LockMetrics.HoldDuration.Enabled)
        {
            LockMetrics.HoldDuration.Record(Stopwatch.GetElapsedTime(since).TotalSeconds, TagsOf(read));
        }
    }

    private static KeyValuePair<string, object?>[] Tags(string name, string mode) =>
    [
        new(LockMetrics.NameTag, name),
        new(LockMetrics.ModeTag, mode),
    ];
}
