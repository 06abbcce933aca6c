using System.Text.Json;
using Microsoft.CodeAnalysis;
using Nuzantara.Cli.Analysis;
using Nuzantara.Cli.CommandLine;
using Nuzantara.Cli.Loading;
using Nuzantara.Cli.Reporting;

namespace Nuzantara.Cli.Tests;

/// <summary>Exit codes and reporters over reports built by hand.</summary>
public sealed class ReportTests
{
    private static readonly DiagnosticDescriptor Rule = RuleCatalog.Nuzantara.Rules.First(r => r.Id == Nuzantara.Analyzers.RuleIdentifiers.LockWithoutTimeout);

    [Theory]
    [InlineData("none", DiagnosticSeverity.Error, false, 0)]
    [InlineData("none", DiagnosticSeverity.Error, true, 0)]
    [InlineData("error", DiagnosticSeverity.Warning, false, 0)]
    [InlineData("error", DiagnosticSeverity.Error, false, 1)]
    [InlineData("error", DiagnosticSeverity.Info, true, 1)]
    [InlineData("warning", DiagnosticSeverity.Info, false, 0)]
    [InlineData("warning", DiagnosticSeverity.Warning, false, 1)]
    [InlineData("warning", DiagnosticSeverity.Error, false, 1)]
    public void ExitCode_FollowsFailOn_AndALoadFailureCountsAsAnError(string failOn, DiagnosticSeverity severity, bool loadFailed, int expected)
    {
        var problems = loadFailed ? new[] { new Problem(ProblemSeverity.Error, "project did not load: Api.csproj") } : [];
        var report = Report([Finding("/repo/src/Api.cs", severity)], problems);

        Assert.Equal(expected, ExitCodes.ForCheck(report, Enum.Parse<FailOn>(failOn, ignoreCase: true)));
    }

    [Fact]
    public void ExitCode_IgnoresLoadWarnings()
        => Assert.Equal(0, ExitCodes.ForCheck(Report([], [new Problem(ProblemSeverity.Warning, "NU1603")]), FailOn.Warning));

    [Fact]
    public void Sarif_EscapesRelativePaths_AndGivesAbsoluteUrisOutsideTheRoot()
    {
        var report = Report([Finding("/repo/src/My File.cs", DiagnosticSeverity.Warning), Finding("/elsewhere/Shared.cs", DiagnosticSeverity.Info)], []);
        using var writer = new StringWriter();

        new SarifReporter().Write(report, writer);

        using var json = JsonDocument.Parse(writer.ToString());
        var run = json.RootElement.GetProperty("runs")[0];
        var locations = run.GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation"))
            .ToList();
        Assert.Equal("src/My%20File.cs", locations[0].GetProperty("uri").GetString());
        Assert.Equal("SRCROOT", locations[0].GetProperty("uriBaseId").GetString());
        Assert.Equal("file:///elsewhere/Shared.cs", locations[1].GetProperty("uri").GetString());
        Assert.False(locations[1].TryGetProperty("uriBaseId", out _));
        Assert.Equal("note", run.GetProperty("results")[1].GetProperty("level").GetString());
        Assert.Equal(0, run.GetProperty("results")[0].GetProperty("ruleIndex").GetInt32());
        Assert.True(run.GetProperty("invocations")[0].GetProperty("executionSuccessful").GetBoolean());
    }

    [Fact]
    public void Text_WithoutFindings_StillPrintsTheTablesAndSaysSo()
    {
        using var writer = new StringWriter();

        new TextReporter().Write(Report([], []), writer);

        var text = writer.ToString();
        Assert.Matches(@"(?m)^NZ1001\s+Lock acquired without a timeout\s+0\s+0\s+0\s+0\s*$", text);
        Assert.Matches(@"(?m)^Api\s+0\s+0\s+0\s+0\s*$", text);
        Assert.Contains("No findings; 1 project analyzed in", text, StringComparison.Ordinal);
    }

    private static CheckReport Report(Finding[] findings, Problem[] problems)
        => new(
            new Target(TargetKind.Solution, "/repo/App.sln", "/repo", ["/repo/src/Api.csproj"]),
            [Rule],
            new Dictionary<string, string> { ["NZ1001"] = "LockWithoutTimeout" },
            findings,
            ["Api"],
            problems,
            TimeSpan.FromSeconds(1));

    private static Finding Finding(string path, DiagnosticSeverity severity)
        => new(Rule, severity, "SemaphoreSlim '_gate' is acquired without a timeout", "Api", path, 3, 9, 3, 21);
}
