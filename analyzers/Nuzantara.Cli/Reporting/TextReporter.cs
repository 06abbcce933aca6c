using System.Globalization;
using Microsoft.CodeAnalysis;
using Nuzantara.Cli.Analysis;

namespace Nuzantara.Cli.Reporting;

/// <summary>Findings grouped by rule, then by file; then problems and the summary tables (per rule, per project).</summary>
internal sealed class TextReporter : IReporter
{
    /// <inheritdoc />
    public void Write(CheckReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var rule in report.Findings.GroupBy(f => f.RuleId, StringComparer.Ordinal))
        {
            var descriptor = rule.First().Descriptor;
            var count = rule.Count();
            writer.WriteLine($"{rule.Key}  {descriptor.Title}  ({count} finding{Plural(count)})  {descriptor.HelpLinkUri}".TrimEnd());
            foreach (var file in rule.GroupBy(f => f.FilePath is null ? "(no file)" : report.RelativePath(f.FilePath), StringComparer.Ordinal))
            {
                writer.WriteLine($"  {file.Key}");
                var lines = file.Select(f => (Position: $"{f.StartLine}:{f.StartColumn}", Severity: Severities.Name(f.Severity), f.Message)).ToList();
                var positionWidth = lines.Max(l => l.Position.Length);
                foreach (var line in lines)
                {
                    writer.WriteLine($"    {line.Position.PadRight(positionWidth)}  {line.Severity,-7}  {line.Message}");
                }
            }

            writer.WriteLine();
        }

        if (report.Problems.Count > 0)
        {
            writer.WriteLine("Problems");
            foreach (var problem in report.Problems)
            {
                writer.WriteLine($"  {(problem.Severity == ProblemSeverity.Error ? "error  " : "warning")}  {problem.Message}");
            }

            writer.WriteLine();
        }

        WriteRuleTable(report, writer);
        writer.WriteLine();
        WriteProjectTable(report, writer);
        writer.WriteLine();
        writer.WriteLine(Closing(report));
    }

    private static void WriteRuleTable(CheckReport report, TextWriter writer)
    {
        var table = new TextTable(2, "Rule", "Title", "Errors", "Warnings", "Info", "Total");
        foreach (var rule in report.Rules)
        {
            var findings = report.Findings.Where(f => f.RuleId == rule.Id).ToList();
            table.Add([rule.Id, rule.Title.ToString(CultureInfo.InvariantCulture), .. Counts(findings)]);
        }

        table.Add(["Total", string.Empty, .. Counts(report.Findings)]);
        table.Write(writer);
    }

    private static void WriteProjectTable(CheckReport report, TextWriter writer)
    {
        var table = new TextTable(1, "Project", "Errors", "Warnings", "Info", "Total");
        foreach (var project in report.Projects)
        {
            table.Add([project, .. Counts(report.Findings.Where(f => f.Project == project).ToList())]);
        }

        table.Write(writer);
    }

    private static string[] Counts(IReadOnlyCollection<Finding> findings)
        =>
        [
            Count(findings, DiagnosticSeverity.Error),
            Count(findings, DiagnosticSeverity.Warning),
            Count(findings, DiagnosticSeverity.Info),
            findings.Count.ToString(CultureInfo.InvariantCulture),
        ];

    private static string Count(IEnumerable<Finding> findings, DiagnosticSeverity severity)
        => findings.Count(f => f.Severity == severity).ToString(CultureInfo.InvariantCulture);

    private static string Closing(CheckReport report)
    {
        var total = report.Findings.Count;
        var files = report.Findings.Select(f => f.FilePath).Distinct(StringComparer.Ordinal).Count();
        var parts = new List<string>();
        AddCount(parts, report.Count(DiagnosticSeverity.Error), "error");
        AddCount(parts, report.Count(DiagnosticSeverity.Warning), "warning");
        AddCount(parts, report.Count(DiagnosticSeverity.Info), "info");
        var failed = report.Problems.Count(p => p.Severity == ProblemSeverity.Error);
        var findings = total == 0
            ? "No findings"
            : $"{total} finding{Plural(total)} ({string.Join(", ", parts)}) in {files} file{Plural(files)}";
        var problems = failed == 0 ? string.Empty : $"; {failed} problem{Plural(failed)}, results may be partial";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{findings}; {report.Projects.Count} project{Plural(report.Projects.Count)} analyzed in {report.Elapsed.TotalSeconds:0.0} s{problems}.");
    }

    private static void AddCount(List<string> parts, int count, string word)
    {
        if (count > 0)
        {
            parts.Add(word == "info" ? $"{count} info" : $"{count} {word}{Plural(count)}");
        }
    }

    private static string Plural(int count) => count == 1 ? string.Empty : "s";
}
