using System.Diagnostics.Metrics;

namespace Nuzantara.Concurrency;

/// <summary>The instruments of the <c>Nuzantara.Concurrency</c> meter.</summary>
/// <remarks>
/// Tags are the lock's name and mode only. Keys never become tags: they are unbounded (one series per user would
/// swamp any metrics backend) and often personal data.
/// </remarks>
internal static class LockMetrics
{
    internal const string MeterName = "Nuzantara.Concurrency";
    internal const string NameTag = "lock.name";
    internal const string ModeTag = "lock.mode";

    private static readonly Meter Meter = new(MeterName, typeof(LockMetrics).Assembly.GetName().Version?.ToString());
    private static readonly List<WeakReference<ILockGauges>> Registered = [];
    private static int _sweepAt = 64;

#if NET9_0_OR_GREATER
    // Explicit buckets from 50 µs to 30 s: the defaults (0 to 10 000) suit milliseconds, not seconds.
    private static readonly double[] DurationBuckets = [0, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
#endif

    internal static readonly Histogram<double> WaitDuration = CreateDuration(
        "nuzantara.lock.wait.duration",
        "Time spent waiting to acquire a lock, from the call until the lock was granted; zero when it was free.");

    internal static readonly Histogram<double> HoldDuration = CreateDuration(
        "nuzantara.lock.hold.duration",
        "Time a lock was held, from its acquisition until its handle was disposed.");

    internal static readonly Counter<long> Timeouts = Meter.CreateCounter<long>(
        "nuzantara.lock.timeouts",
        "{timeout}",
        "Acquisitions that gave up because their timeout elapsed.");

    internal static readonly Counter<long> Cancellations = Meter.CreateCounter<long>(
        "nuzantara.lock.cancellations",
        "{cancellation}",
        "Acquisitions abandoned because their cancellation token was cancelled.");

    internal static readonly ObservableUpDownCounter<long> ActiveKeys = Meter.CreateObservableUpDownCounter(
        "nuzantara.lock.active_keys",
        () => Observe(static g => g.ActiveKeys),
        "{key}",
        "Keys currently held or waited for, per keyed lock name.");

    internal static readonly ObservableUpDownCounter<long> Waiters = Meter.CreateObservableUpDownCounter(
        "nuzantara.lock.waiters",
        () => Observe(static g => g.Waiters),
        "{waiter}",
        "Acquisitions currently waiting, per lock name.");

    /// <summary>Makes a lock's gauges observable for as long as the lock is alive.</summary>
    internal static void Register(ILockGauges gauges)
    {
        lock (Registered)
        {
            // Amortised sweep of collected locks, so registering many short-lived locks cannot grow the list for ever.
            if (Registered.Count >= _sweepAt)
            {
                Registered.RemoveAll(static r => !r.TryGetTarget(out _));
                _sweepAt = Math.Max(64, Registered.Count * 2);
            }

            Registered.Add(new WeakReference<ILockGauges>(gauges));
        }
    }

    private static Histogram<double> CreateDuration(string name, string description)
    {
#if NET9_0_OR_GREATER
        return Meter.CreateHistogram(name, "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
#else
        return Meter.CreateHistogram<double>(name, "s", description);
#endif
    }

    private static List<Measurement<long>> Observe(Func<ILockGauges, long> read)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        lock (Registered)
        {
            foreach (var reference in Registered)
            {
                if (reference.TryGetTarget(out var gauges))
                {
                    totals[gauges.Name] = totals.GetValueOrDefault(gauges.Name) + read(gauges);
                }
            }
        }

        var measurements = new List<Measurement<long>>(totals.Count);
        foreach (var (name, value) in totals)
        {
            measurements.Add(new Measurement<long>(value, new KeyValuePair<string, object?>(NameTag, name)));
        }

        return measurements;
    }
}

/// <summary>The current-state figures a lock reports to the observable instruments.</summary>
internal interface ILockGauges
{
    string Name { get; }

    long ActiveKeys { get; }

    long Waiters { get; }
}
