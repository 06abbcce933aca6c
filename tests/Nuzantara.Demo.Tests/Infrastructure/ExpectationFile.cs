using System.Text;

namespace Nuzantara.Demo.Tests.Infrastructure;

/// <summary>
/// A checked-in list of expected findings, one <see cref="NzFinding.Anchor"/> per line, sorted, '#' for comments.
/// With <c>NUZANTARA_REPIN=1</c> the test rewrites it from what the rules report (keeping its leading comments).
/// </summary>
internal sealed class ExpectationFile(string path)
{
    internal const string RepinVariable = "NUZANTARA_REPIN";

    public string Path { get; } = path;

    public static bool Repinning => Environment.GetEnvironmentVariable(RepinVariable) == "1";

    public IReadOnlyList<string> Read()
        => File.Exists(Path)
            ? [.. File.ReadAllLines(Path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))]
            : [];

    public void Write(IEnumerable<string> anchors, string defaultHeader)
    {
        var header = File.Exists(Path)
            ? File.ReadAllLines(Path).TakeWhile(l => l.StartsWith('#') || l.Trim().Length == 0).ToList()
            : [.. defaultHeader.Split('\n')];
        while (header.Count > 0 && header[^1].Trim().Length == 0)
        {
            header.RemoveAt(header.Count - 1);
        }

        var text = new StringBuilder();
        foreach (var line in header.Append(string.Empty).Concat(anchors.Order(StringComparer.Ordinal)))
        {
            text.Append(line).Append('\n');
        }

        File.WriteAllText(Path, text.ToString());
    }

    /// <summary>Empty when the two multisets are equal; else what is missing, what is new, and the counts per rule.</summary>
    public static string Difference(IReadOnlyList<string> expected, IReadOnlyList<NzFinding> actual)
    {
        var expectedCounts = expected.CountBy(a => a).ToDictionary(StringComparer.Ordinal);
        var actualCounts = actual.CountBy(f => f.Anchor).ToDictionary(StringComparer.Ordinal);
        var report = new StringBuilder();
        foreach (var (anchor, count) in expectedCounts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var missing = count - actualCounts.GetValueOrDefault(anchor);
            if (missing > 0)
            {
                report.Append("  - ").Append(anchor).Append(missing > 1 ? $"  (x{missing})" : string.Empty).Append('\n');
            }
        }

        foreach (var finding in actual.GroupBy(f => f.Anchor).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var extra = finding.Count() - expectedCounts.GetValueOrDefault(finding.Key);
            foreach (var unexpected in finding.Take(Math.Max(0, extra)))
            {
                report.Append("  + ").Append(unexpected.Anchor).Append('\n').Append("      ").Append(unexpected.Message).Append('\n');
            }
        }

        if (report.Length == 0)
        {
            return string.Empty;
        }

        var rules = expected.Select(a => a.Split(' ')[0]).Concat(actual.Select(f => f.RuleId)).Distinct().Order(StringComparer.Ordinal);
        var perRule = string.Join(", ", rules.Select(r =>
            $"{r} {expected.Count(a => a.StartsWith(r + " ", StringComparison.Ordinal))} -> {actual.Count(f => f.RuleId == r)}"));
        return "('-' pinned but not reported, '+' reported but not pinned)\n" + report + "per rule, pinned -> reported: " + perRule + "\n";
    }
}
