using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Nuzantara.Cli.Analysis;

namespace Nuzantara.Cli.Reporting;

/// <summary>
/// One JSON document: <c>tool</c>, <c>target</c>, <c>findings</c> (paths relative to the target's folder),
/// <c>summary</c> (totals, per rule, per project) and <c>problems</c>.
/// </summary>
internal sealed class JsonReporter : IReporter
{
    /// <inheritdoc />
    public void Write(CheckReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("tool");
            json.WriteString("name", ToolInfo.Name);
            json.WriteString("version", ToolInfo.Version);
            json.WriteEndObject();
            json.WriteString("target", report.Target.Path);
            json.WriteString("root", report.Target.RootDirectory);
            json.WriteNumber("elapsedSeconds", Math.Round(report.Elapsed.TotalSeconds, 2));

            json.WriteStartArray("findings");
            foreach (var finding in report.Findings)
            {
                json.WriteStartObject();
                json.WriteString("ruleId", finding.RuleId);
                json.WriteString("severity", Severities.Name(finding.Severity));
                json.WriteString("message", finding.Message);
                json.WriteString("project", finding.Project);
                if (finding.FilePath is not null)
                {
                    json.WriteString("path", report.RelativePath(finding.FilePath));
                }

                json.WriteNumber("line", finding.StartLine);
                json.WriteNumber("column", finding.StartColumn);
                json.WriteNumber("endLine", finding.EndLine);
                json.WriteNumber("endColumn", finding.EndColumn);
                json.WriteString("helpUri", finding.Descriptor.HelpLinkUri);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteSummary(report, json);

            json.WriteStartArray("problems");
            foreach (var problem in report.Problems)
            {
                json.WriteStartObject();
                json.WriteString("severity", problem.Severity == ProblemSeverity.Error ? "error" : "warning");
                json.WriteString("message", problem.Message);
                if (problem.Project is not null)
                {
                    json.WriteString("project", problem.Project);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        writer.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteSummary(CheckReport report, Utf8JsonWriter json)
    {
        json.WriteStartObject("summary");
        WriteCounts(json, report.Findings);
        json.WriteNumber("files", report.Findings.Select(f => f.FilePath).Distinct(StringComparer.Ordinal).Count());
        json.WriteStartArray("rules");
        foreach (var rule in report.Rules)
        {
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteString("title", rule.Title.ToString(CultureInfo.InvariantCulture));
            WriteCounts(json, report.Findings.Where(f => f.RuleId == rule.Id).ToList());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("projects");
        foreach (var project in report.Projects)
        {
            json.WriteStartObject();
            json.WriteString("name", project);
            WriteCounts(json, report.Findings.Where(f => f.Project == project).ToList());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter json, IReadOnlyCollection<Finding> findings)
    {
        json.WriteNumber("total", findings.Count);
        json.WriteNumber("errors", findings.Count(f => f.Severity == DiagnosticSeverity.Error));
        json.WriteNumber("warnings", findings.Count(f => f.Severity == DiagnosticSeverity.Warning));
        json.WriteNumber("info", findings.Count(f => f.Severity == DiagnosticSeverity.Info));
    }
}
