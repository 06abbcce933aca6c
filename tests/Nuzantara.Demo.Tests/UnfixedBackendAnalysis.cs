using Microsoft.CodeAnalysis;
using Nuzantara.Demo.Tests.Infrastructure;

namespace Nuzantara.Demo.Tests;

/// <summary>The NZ findings in sample-backend/Nuzantara.Backend.Unfixed, computed once for the tests that read them.</summary>
public sealed class UnfixedBackendAnalysis : IAsyncLifetime
{
    internal const string ProjectName = "Nuzantara.Backend.Unfixed";

    internal IReadOnlyList<NzFinding> Findings { get; private set; } = [];

    public async Task InitializeAsync()
    {
        using var workspace = new AdhocWorkspace();
        var (project, compilation) = await BackendProject.LoadAsync(workspace, ProjectName);
        Findings = await NzFindings.AnalyzeAsync(project, compilation, BackendProject.Directory(ProjectName));
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
