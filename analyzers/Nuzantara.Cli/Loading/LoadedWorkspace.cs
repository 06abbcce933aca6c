using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.MSBuild;

namespace Nuzantara.Cli.Loading;

/// <summary>A loaded target: the workspace, the projects to analyze, and what went wrong while loading.</summary>
internal sealed class LoadedWorkspace : IDisposable
{
    private readonly MSBuildWorkspace _workspace;

    /// <summary>Takes ownership of <paramref name="workspace"/>.</summary>
    public LoadedWorkspace(MSBuildWorkspace workspace, Target target, IReadOnlyList<Problem> problems)
    {
        _workspace = workspace;
        Target = target;
        Problems = problems;
    }

    /// <summary>The target that was loaded.</summary>
    public Target Target { get; }

    /// <summary>The loaded solution, with the projects the targets reference.</summary>
    public Solution Solution => _workspace.CurrentSolution;

    /// <summary>Problems met while restoring and loading.</summary>
    public IReadOnlyList<Problem> Problems { get; }

    /// <summary>The C# projects the user asked for, one per target framework, in a stable order.</summary>
    public IReadOnlyList<Project> TargetProjects(Solution solution)
        => solution.Projects
            .Where(p => p.Language == LanguageNames.CSharp && Target.Includes(p.FilePath))
            .OrderBy(p => p.FilePath, StringComparer.Ordinal)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();

    /// <inheritdoc />
    public void Dispose() => _workspace.Dispose();
}
