using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Nuzantara.Backend.Tests.Infrastructure;

/// <summary>
/// The backend counters of one host, exactly: a listener on the instruments of that host's <see cref="IMeterFactory"/>.
/// </summary>
/// <remarks>
/// Tests run many hosts in one process, and an OpenTelemetry provider merges same-named meters of all of them into one
/// stream, which ends when any of those meters is disposed. /metrics of a single-host process is unaffected, and is
/// checked by <c>MetricsTests</c> (run alone); counts per host are read here.
/// </remarks>
internal sealed class HostMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public HostMetrics(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    /// <summary>The sum of a counter's measurements with all of <paramref name="tags"/>.</summary>
    public long Total(string instrument, params (string Key, string Value)[] tags)
        => _measurements
            .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(mt => mt.Key == t.Key && (string?)mt.Value == t.Value)))
            .Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
