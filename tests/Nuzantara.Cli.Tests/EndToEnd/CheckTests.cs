using System.Text.Json;
using Nuzantara.Cli.Analysis;

namespace Nuzantara.Cli.Tests.EndToEnd;

[Collection(EndToEndGroup.Name)]
public sealed class CheckTests(SampleSolution sample)
{
    private const string Rule = "NZ1001";

    [Fact]
    public async Task Check_Text_GroupsFindingsByRuleAndFile_WithEditorconfigSeverities_AndFailsOnTheError()
    {
        var run = await CliRunner.RunAsync("check", sample.SolutionPath, "--rule", Rule);

        Assert.Equal(1, run.ExitCode);
        var output = run.Output;
        var (refreshLine, refreshColumn) = SampleSolution.PositionOf(SampleSolution.Cache, "_gate.Wait();");
        Assert.Contains($"{Rule}  Lock acquired without a timeout  (4 findings)", output, StringComparison.Ordinal);
        Assert.Contains("docs/rules/NZ1001.md", output, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^  src/Demo/Cache\.cs\n    {refreshLine}:{refreshColumn}\s+warning\s+SemaphoreSlim '_gate' is acquired without a timeout", output.ReplaceLineEndings("\n"));
        Assert.Matches(@"(?m)^  src/Demo/Critical\.cs\n\s+\d+:\d+\s+error\s+SemaphoreSlim '_gate'", output.ReplaceLineEndings("\n"));
        Assert.Contains("  src/Worker/Poller.cs", output, StringComparison.Ordinal);

        // severity = none for Ignored.cs; the token-only wait in LoadAsync is allowed by the NZ1001 option.
        Assert.DoesNotContain("Ignored.cs", output, StringComparison.Ordinal);
        var (loadLine, _) = SampleSolution.PositionOf(SampleSolution.Cache, "_gate.WaitAsync(cancellationToken)");
        Assert.DoesNotContain($"    {loadLine}:", output, StringComparison.Ordinal);

        // Summary tables: per rule, then per project.
        Assert.Matches(@"(?m)^NZ1001\s+Lock acquired without a timeout\s+1\s+3\s+0\s+4\s*$", output);
        Assert.Matches(@"(?m)^Demo\s+1\s+2\s+0\s+3\s*$", output);
        Assert.Matches(@"(?m)^Worker\s+0\s+1\s+0\s+1\s*$", output);
        Assert.Contains("4 findings (1 error, 3 warnings) in 3 files; 2 projects analyzed", output, StringComparison.Ordinal);

        // Progress goes to standard error, never into the report.
        Assert.Contains("Loading Sample.sln", run.Error, StringComparison.Ordinal);
        Assert.Contains("Analyzing Demo", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Analyzing", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Json_ReportsEachFindingWithSeverityAndPosition_AndFailOnNoneExitsZero()
    {
        var run = await CliRunner.RunAsync("check", sample.SolutionPath, "--format", "json", "--rule", "nz1001", "--fail-on", "none");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("nuzantara", root.GetProperty("tool").GetProperty("name").GetString());
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(4, findings.Count);
        Assert.All(findings, f => Assert.Equal(Rule, f.GetProperty("ruleId").GetString()));
        Assert.Equal(
            ["src/Demo/Cache.cs", "src/Demo/Cache.cs", "src/Demo/Critical.cs", "src/Worker/Poller.cs"],
            findings.Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(["warning", "warning", "error", "warning"], findings.Select(f => f.GetProperty("severity").GetString()));

        var (line, column) = SampleSolution.PositionOf(SampleSolution.Cache, "_gate.WaitAsync();");
        var save = findings[1];
        Assert.Equal(line, save.GetProperty("line").GetInt32());
        Assert.Equal(column, save.GetProperty("column").GetInt32());
        Assert.Equal(column + "_gate.WaitAsync()".Length, save.GetProperty("endColumn").GetInt32());
        Assert.Equal("Demo", save.GetProperty("project").GetString());

        var summary = root.GetProperty("summary");
        Assert.Equal(4, summary.GetProperty("total").GetInt32());
        Assert.Equal(1, summary.GetProperty("errors").GetInt32());
        Assert.Equal(3, summary.GetProperty("warnings").GetInt32());
        var rule = Assert.Single(summary.GetProperty("rules").EnumerateArray());
        Assert.Equal(4, rule.GetProperty("total").GetInt32());
        var projects = summary.GetProperty("projects").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("total").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["Demo"] = 3, ["Worker"] = 1 }, projects);
        Assert.DoesNotContain(root.GetProperty("problems").EnumerateArray(), p => p.GetProperty("severity").GetString() == "error");
    }

    [Fact]
    public async Task Check_Sarif_WritesSarif210WithRulesResultsAndRelativeLocations()
    {
        var file = Path.Combine(sample.Root, "out", "nuzantara.sarif");

        var run = await CliRunner.RunAsync("check", sample.Root, "--format", "sarif", "--output", file, "--fail-on", "warning");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(string.Empty, run.Output);
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var root = json.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.Contains("sarif-2.1.0", root.GetProperty("$schema").GetString(), StringComparison.Ordinal);

        var sarifRun = Assert.Single(root.GetProperty("runs").EnumerateArray());
        var driver = sarifRun.GetProperty("tool").GetProperty("driver");
        Assert.Equal("nuzantara", driver.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(driver.GetProperty("version").GetString()));
        Assert.StartsWith("https://", driver.GetProperty("informationUri").GetString(), StringComparison.Ordinal);
        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        var nz1001 = Assert.Single(rules, r => r.GetProperty("id").GetString() == Rule);
        Assert.Equal("LockWithoutTimeout", nz1001.GetProperty("name").GetString());
        Assert.Equal("Lock acquired without a timeout", nz1001.GetProperty("shortDescription").GetProperty("text").GetString());
        Assert.False(string.IsNullOrEmpty(nz1001.GetProperty("fullDescription").GetProperty("text").GetString()));
        Assert.EndsWith("docs/rules/NZ1001.md", nz1001.GetProperty("helpUri").GetString(), StringComparison.Ordinal);
        Assert.Equal("warning", nz1001.GetProperty("defaultConfiguration").GetProperty("level").GetString());

        // Every rule of the analyzer assembly runs by default, found by reflection, and only those.
        Assert.Equal(RuleCatalog.Nuzantara.Rules.Select(r => r.Id), rules.Select(r => r.GetProperty("id").GetString()));

        var baseUri = sarifRun.GetProperty("originalUriBaseIds").GetProperty("SRCROOT").GetProperty("uri").GetString();
        Assert.Equal(new Uri(sample.Root + "/").AbsoluteUri, baseUri);

        var results = sarifRun.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("ruleId").GetString() == Rule).ToList();
        Assert.Equal(4, results.Count);
        var critical = Assert.Single(results, r => r.GetProperty("level").GetString() == "error");
        Assert.Equal(Rule, critical.GetProperty("ruleId").GetString());
        Assert.Contains("SemaphoreSlim '_gate'", critical.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
        var location = Assert.Single(critical.GetProperty("locations").EnumerateArray()).GetProperty("physicalLocation");
        Assert.Equal("src/Demo/Critical.cs", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal("SRCROOT", location.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
        var (line, column) = SampleSolution.PositionOf(SampleSolution.Critical, "_gate.Wait();");
        var region = location.GetProperty("region");
        Assert.Equal(line, region.GetProperty("startLine").GetInt32());
        Assert.Equal(column, region.GetProperty("startColumn").GetInt32());
        Assert.Equal(line, region.GetProperty("endLine").GetInt32());
        Assert.Equal(column + "_gate.Wait()".Length, region.GetProperty("endColumn").GetInt32());
        Assert.Equal(3, results.Count(r => r.GetProperty("level").GetString() == "warning"));
        Assert.Contains("Report written to", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error", 0)]
    [InlineData("warning", 1)]
    public async Task Check_ProjectWithWarningsOnly_ExitCodeFollowsFailOn(string failOn, int expected)
    {
        var run = await CliRunner.RunAsync("check", sample.WorkerProject, "--rule", Rule, "--fail-on", failOn, "--quiet");

        Assert.Equal(expected, run.ExitCode);
        Assert.Contains("1 finding (1 warning) in 1 file; 1 project analyzed", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Demo", run.Output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Error);
    }

    [Fact]
    public async Task Check_IncludeOtherAnalyzers_AlsoReportsTheProjectsOwnAnalyzers()
    {
        var plain = await CliRunner.RunAsync("check", sample.WorkerProject, "--format", "json", "--quiet");
        var all = await CliRunner.RunAsync("check", sample.WorkerProject, "--include-other-analyzers", "--rule", "NZ1001,CA2200", "--format", "json", "--quiet");

        using var plainJson = JsonDocument.Parse(plain.Output);
        Assert.All(plainJson.RootElement.GetProperty("findings").EnumerateArray(), f => Assert.StartsWith("NZ", f.GetProperty("ruleId").GetString(), StringComparison.Ordinal));
        using var allJson = JsonDocument.Parse(all.Output);
        var rules = allJson.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("ruleId").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["CA2200", Rule], rules);
        var rethrow = Assert.Single(allJson.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("ruleId").GetString() == "CA2200");
        Assert.Equal("Rethrow.cs", rethrow.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Check_OtherAnalyzersRule_WithoutTheFlag_IsUnknown()
    {
        var run = await CliRunner.RunAsync("check", sample.SolutionPath, "--rule", "CA2200");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown rule CA2200", run.Error, StringComparison.Ordinal);
        Assert.Contains("--include-other-analyzers", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UnknownRule_FailsWithTheKnownRules_BeforeLoading()
    {
        var run = await CliRunner.RunAsync("check", sample.SolutionPath, "--rule", "NZ1001,NZ9999");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown rule NZ9999", run.Error, StringComparison.Ordinal);
        Assert.Contains("NZ1001", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Loading", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public async Task Fix_UnknownRule_FailsWithTheKnownRules()
    {
        var run = await CliRunner.RunAsync("fix", sample.SolutionPath, "--rule", "NZ9999");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown rule NZ9999", run.Error, StringComparison.Ordinal);
    }
}
