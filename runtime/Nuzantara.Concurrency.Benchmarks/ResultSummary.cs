using System.Globalization;
using BenchmarkDotNet.Reports;
using Nuzantara.Concurrency.Benchmarks.Scenarios;

namespace Nuzantara.Concurrency.Benchmarks;

/// <summary>
/// The few numbers that matter, after BenchmarkDotNet's tables: how Nuzantara compares with each peer, and whether
/// it meets the performance targets of the architecture document (§7).
/// </summary>
/// <remarks>
/// Ratios here are of medians, which a burst of load on a shared machine moves less than the means behind
/// BenchmarkDotNet's own Ratio column.
/// </remarks>
internal static class ResultSummary
{
    private const string Ours = "Nuzantara";
    private const double UncontendedTimeTarget = 0.6;
    private const double ContendedThroughputTarget = 1.2;
    private const double TimedOverheadTarget = 1.10;
    private const long RetainedBytesTarget = 1024 * 1024;

    /// <summary>Writes the comparison and the target verdicts for whatever was run.</summary>
    /// <param name="summaries">BenchmarkDotNet's results; empty when no benchmark ran.</param>
    /// <param name="retained">The retained-memory results; <see langword="null"/> when that scenario did not run.</param>
    /// <param name="output">Where to write.</param>
    public static void Print(IEnumerable<Summary> summaries, IReadOnlyList<RetainedMemoryResult>? retained, TextWriter output)
    {
        var groups = summaries
            .SelectMany(static summary => summary.Reports)
            .Where(static report => report.ResultStatistics is not null)
            .Select(Measurement.Of)
            .GroupBy(static measurement => (measurement.Scenario, measurement.Group))
            .ToList();

        var comparisons = new List<string>();
        var verdicts = new List<string>();
        foreach (var group in groups)
        {
            var byMethod = group.ToDictionary(static measurement => measurement.Method, StringComparer.Ordinal);
            var label = group.Key.Group.Length == 0 ? group.Key.Scenario : $"{group.Key.Scenario} {group.Key.Group}";
            if (byMethod.TryGetValue(Ours, out var ours))
            {
                CompareWithPeers(group.Key.Scenario, label, ours, byMethod.Values.Where(static m => m.Method != Ours).ToList(), comparisons, verdicts);
            }

            var timed = byMethod.Values.FirstOrDefault(static m => m.Method.EndsWith("Timed", StringComparison.Ordinal) && !m.Method.EndsWith("Untimed", StringComparison.Ordinal));
            var untimed = byMethod.Values.FirstOrDefault(static m => m.Method.EndsWith("Untimed", StringComparison.Ordinal));
            if (timed is not null && untimed is not null)
            {
                var overhead = timed.MedianNanoseconds / untimed.MedianNanoseconds;
                comparisons.Add(Format($"{label}: timed {timed.MedianNanoseconds:N1} ns, untimed {untimed.MedianNanoseconds:N1} ns, timed/untimed {overhead:N2}x"));
                if (timed.Method.StartsWith(Ours, StringComparison.Ordinal))
                {
                    verdicts.Add(Verdict(overhead <= TimedOverheadTarget, $"{label}: timed acquisition <= {TimedOverheadTarget:N2}x untimed", $"{overhead:N2}x"));
                }
            }
        }

        if (retained is not null && retained.FirstOrDefault(static r => r.Library == Ours) is { } ourRetained)
        {
            foreach (var peer in retained.Where(static r => r.Library != Ours))
            {
                comparisons.Add(Format($"Retained after {peer.Keys:N0} keys: {Ours} {ourRetained.RetainedBytes:N0} B, {peer.Library} {peer.RetainedBytes:N0} B"));
            }

            verdicts.Add(Verdict(ourRetained.RetainedBytes < RetainedBytesTarget, $"Retained after {ourRetained.Keys:N0} keys < 1 MB", $"{ourRetained.RetainedBytes:N0} B"));
        }

        if (comparisons.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("// * Nuzantara against its peers (median peer time / median our time: above 1 means Nuzantara is faster) *");
        comparisons.ForEach(output.WriteLine);
        output.WriteLine();
        output.WriteLine("// * Targets (docs: ARCHITECTURE.md §7) *");
        verdicts.ForEach(output.WriteLine);
        output.WriteLine();
    }

    private static void CompareWithPeers(string scenario, string label, Measurement ours, List<Measurement> peers, List<string> comparisons, List<string> verdicts)
    {
        var speedups = string.Join(", ", peers.Select(peer => Format($"{peer.Method} {peer.MedianNanoseconds / ours.MedianNanoseconds:N2}x")));
        comparisons.Add(Format($"{label}: {Ours} {ours.MedianNanoseconds:N1} ns/op, {ours.AllocatedBytes?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} B/op; vs {speedups}"));

        if (scenario == nameof(UncontendedBenchmarks)
            && peers.FirstOrDefault(static peer => peer.IsBaseline) is { } baseline)
        {
            var ratio = ours.MedianNanoseconds / baseline.MedianNanoseconds;
            verdicts.Add(Verdict(ratio <= UncontendedTimeTarget, $"{label}: time <= {UncontendedTimeTarget:N1}x {baseline.Method}", $"{ratio:N2}x"));
            verdicts.Add(Verdict(ours.AllocatedBytes == 0, $"{label}: 0 B/op", $"{ours.AllocatedBytes?.ToString(CultureInfo.InvariantCulture) ?? "?"} B/op"));
        }
        else if (scenario == nameof(ContendedBenchmarks) && peers.Any(static peer => !peer.IsFloor))
        {
            var best = peers.Where(static peer => !peer.IsFloor).MinBy(static peer => peer.MedianNanoseconds)!;
            var ratio = best.MedianNanoseconds / ours.MedianNanoseconds;
            verdicts.Add(Verdict(ratio >= ContendedThroughputTarget, $"{label}: throughput >= {ContendedThroughputTarget:N1}x best peer ({best.Method})", $"{ratio:N2}x"));
        }
    }

    private static string Verdict(bool met, string target, string measured) => Format($"[{(met ? "MET " : "MISS")}] {target}: {measured}");

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One benchmark case's result, reduced to what the summary compares.</summary>
    private sealed record Measurement(string Scenario, string Group, string Method, bool IsBaseline, double MedianNanoseconds, long? AllocatedBytes)
    {
        /// <summary>A reference point rather than a peer: a bare semaphore, or no lock at all.</summary>
        public bool IsFloor => Method.EndsWith("Floor", StringComparison.Ordinal);

        public static Measurement Of(BenchmarkReport report)
        {
            var benchmark = report.BenchmarkCase;
            var descriptor = benchmark.Descriptor;
            var group = string.Join(" ", descriptor.Categories.Append(benchmark.Parameters.DisplayInfo).Where(static part => part.Length > 0));
            return new Measurement(
                descriptor.Type.Name,
                group,
                descriptor.WorkloadMethod.Name,
                descriptor.Baseline,
                report.ResultStatistics!.Median,
                report.GcStats.GetBytesAllocatedPerOperation(benchmark));
        }
    }
}
