using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Nuzantara.Cli.Analysis;

namespace Nuzantara.Cli.Reporting;

/// <summary>
/// SARIF 2.1.0: one run whose driver lists the rules that ran (with help URIs and default levels) and whose results
/// point into files relative to the target's folder (<c>uriBaseId</c> <c>SRCROOT</c>), as code-scanning services expect.
/// </summary>
internal sealed class SarifReporter : IReporter
{
    /// <summary>The schema of SARIF 2.1.0.</summary>
    public const string Schema = "https://json.schemastore.org/sarif-2.1.0.json";

    /// <summary>The base id of paths relative to the target's folder.</summary>
    public const string RootBaseId = "SRCROOT";

    /// <inheritdoc />
    public void Write(CheckReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        var rules = report.Rules.ToList();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("$schema", Schema);
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();

            json.WriteStartObject("tool");
            json.WriteStartObject("driver");
            json.WriteString("name", ToolInfo.Name);
            json.WriteString("version", ToolInfo.Version);
            json.WriteString("semanticVersion", ToolInfo.Version);
            json.WriteString("informationUri", ToolInfo.InformationUri);
            json.WriteStartArray("rules");
            foreach (var rule in rules)
            {
                WriteRule(json, rule, report.RuleNames.GetValueOrDefault(rule.Id) ?? PascalCase(rule.Title.ToString(CultureInfo.InvariantCulture)));
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();

            WriteInvocation(json, report);

            json.WriteStartObject("originalUriBaseIds");
            json.WriteStartObject(RootBaseId);
            json.WriteString("uri", new Uri(Path.TrimEndingDirectorySeparator(report.Target.RootDirectory) + Path.DirectorySeparatorChar).AbsoluteUri);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteString("columnKind", "utf16CodeUnits");

            json.WriteStartArray("results");
            foreach (var finding in report.Findings)
            {
                WriteResult(json, report, finding, rules.FindIndex(r => r.Id == finding.RuleId));
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        writer.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteRule(Utf8JsonWriter json, DiagnosticDescriptor rule, string name)
    {
        var title = rule.Title.ToString(CultureInfo.InvariantCulture);
        var description = rule.Description.ToString(CultureInfo.InvariantCulture);
        json.WriteStartObject();
        json.WriteString("id", rule.Id);
        json.WriteString("name", name);
        WriteText(json, "shortDescription", title);
        WriteText(json, "fullDescription", description.Length == 0 ? title : description);
        if (!string.IsNullOrEmpty(rule.HelpLinkUri))
        {
            json.WriteString("helpUri", rule.HelpLinkUri);
        }

        json.WriteStartObject("defaultConfiguration");
        json.WriteString("level", Severities.SarifLevel(rule.DefaultSeverity));
        json.WriteBoolean("enabled", rule.IsEnabledByDefault);
        json.WriteEndObject();
        json.WriteStartObject("properties");
        json.WriteString("category", rule.Category);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteInvocation(Utf8JsonWriter json, CheckReport report)
    {
        json.WriteStartArray("invocations");
        json.WriteStartObject();
        json.WriteBoolean("executionSuccessful", report.Problems.All(p => p.Severity != ProblemSeverity.Error));
        json.WriteStartArray("toolExecutionNotifications");
        foreach (var problem in report.Problems)
        {
            json.WriteStartObject();
            json.WriteString("level", problem.Severity == ProblemSeverity.Error ? "error" : "warning");
            WriteText(json, "message", problem.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void WriteResult(Utf8JsonWriter json, CheckReport report, Finding finding, int ruleIndex)
    {
        json.WriteStartObject();
        json.WriteString("ruleId", finding.RuleId);
        if (ruleIndex >= 0)
        {
            json.WriteNumber("ruleIndex", ruleIndex);
        }

        json.WriteString("level", Severities.SarifLevel(finding.Severity));
        WriteText(json, "message", finding.Message);
        json.WriteStartArray("locations");
        if (finding.FilePath is not null)
        {
            json.WriteStartObject();
            json.WriteStartObject("physicalLocation");
            json.WriteStartObject("artifactLocation");
            if (report.IsUnderRoot(finding.FilePath))
            {
                json.WriteString("uri", EscapeRelative(report.RelativePath(finding.FilePath)));
                json.WriteString("uriBaseId", RootBaseId);
            }
            else
            {
                json.WriteString("uri", new Uri(finding.FilePath).AbsoluteUri);
            }

            json.WriteEndObject();
            json.WriteStartObject("region");
            json.WriteNumber("startLine", finding.StartLine);
            json.WriteNumber("startColumn", finding.StartColumn);
            json.WriteNumber("endLine", finding.EndLine);
            json.WriteNumber("endColumn", finding.EndColumn);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("properties");
        json.WriteString("project", finding.Project);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter json, string property, string text)
    {
        json.WriteStartObject(property);
        json.WriteString("text", text);
        json.WriteEndObject();
    }

    /// <summary>A relative path as a URI reference: each segment escaped, joined by slashes.</summary>
    private static string EscapeRelative(string relative)
        => string.Join('/', relative.Split('/').Select(Uri.EscapeDataString));

    /// <summary>A rule name for rules without a declared one: the title's words run together.</summary>
    private static string PascalCase(string title)
        => string.Concat(title.Split([' ', '-', '_', '.', '\'', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
