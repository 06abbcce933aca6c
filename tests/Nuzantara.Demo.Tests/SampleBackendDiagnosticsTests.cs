using Microsoft.CodeAnalysis;
using Nuzantara.Demo.Tests.Infrastructure;

namespace Nuzantara.Demo.Tests;

/// <summary>
/// The demo's promise: `nuzantara check` finds the races written into Nuzantara.Backend.Unfixed, exactly those that are
/// pinned, and nothing in the fixed Nuzantara.Backend.
/// </summary>
public sealed class SampleBackendDiagnosticsTests(UnfixedBackendAnalysis unfixed) : IClassFixture<UnfixedBackendAnalysis>
{
    private const string DefaultHeader = """
        # The NZ diagnostics sample-backend/Nuzantara.Backend.Unfixed must produce, pinned by
        # SampleBackendDiagnosticsTests. One line per diagnostic:  rule | file (relative to the project) | Type.Member
        # (a rule reporting twice in one member is listed twice); no lines or columns, so edits that move code keep the pin.
        #
        # Re-pin after a change to the rules or to the racy code, then review this file's diff:
        #   NUZANTARA_REPIN=1 dotnet test tests/Nuzantara.Demo.Tests
        # Re-pinning keeps these leading comments.
        """;

    private static readonly ExpectationFile Expected = new(
        Path.Combine(BackendProject.RepositoryRoot, "tests", "Nuzantara.Demo.Tests", "UnfixedDiagnostics.expected.txt"));

    [Fact]
    public void UnfixedBackend_ReportsExactlyThePinnedDiagnostics()
    {
        if (ExpectationFile.Repinning)
        {
            Expected.Write(unfixed.Findings.Select(f => f.Anchor), DefaultHeader);
        }

        var difference = ExpectationFile.Difference(Expected.Read(), unfixed.Findings);
        Assert.True(
            difference.Length == 0,
            $"The NZ diagnostics of {UnfixedBackendAnalysis.ProjectName} differ from {Expected.Path}:\n{difference}" +
            $"If the change is intended, re-pin with {ExpectationFile.RepinVariable}=1 dotnet test tests/Nuzantara.Demo.Tests and review the diff.");
    }

    [Fact]
    public void UnfixedBackend_ShowsEveryRule()
    {
        var silent = NzFindings.RuleIds.Except(unfixed.Findings.Select(f => f.RuleId)).ToList();
        Assert.True(
            silent.Count == 0,
            $"No diagnostic of {string.Join(", ", silent)} in {UnfixedBackendAnalysis.ProjectName}: the demo should show every rule; " +
            "add the racy pattern the rule finds to the area it belongs to.");
    }

    [Fact]
    public async Task FixedBackend_ReportsNoNzDiagnostic()
    {
        const string ProjectName = "Nuzantara.Backend";
        using var workspace = new AdhocWorkspace();
        var (project, compilation) = await BackendProject.LoadAsync(workspace, ProjectName);

        var findings = await NzFindings.AnalyzeAsync(project, compilation, BackendProject.Directory(ProjectName));

        Assert.True(findings.Count == 0, $"{ProjectName} must stay clean, but:\n" + string.Join('\n', findings.Select(f => $"  {f.Anchor}: {f.Message}")));
    }
}
