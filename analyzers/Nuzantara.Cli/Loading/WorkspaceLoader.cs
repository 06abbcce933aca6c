using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.MSBuild;

namespace Nuzantara.Cli.Loading;

/// <summary>Loads a target with <see cref="MSBuildWorkspace"/>, on the MSBuild of the installed .NET SDK.</summary>
internal static class WorkspaceLoader
{
    private static readonly Lock RegistrationGate = new();

    /// <summary>
    /// Points the process at the SDK's MSBuild. Must run before any method that touches MSBuild or workspace types is
    /// compiled, hence its own non-inlined method, called once per process.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RegisterMSBuild()
    {
        lock (RegistrationGate)
        {
            if (!MSBuildLocator.IsRegistered)
            {
                MSBuildLocator.RegisterDefaults();
            }
        }
    }

    /// <summary>Opens the target's solution or projects; problems are collected, never thrown.</summary>
    public static async Task<LoadedWorkspace> LoadAsync(Target target, IReadOnlyDictionary<string, string> properties, Progress progress, CancellationToken cancellationToken)
    {
        var workspace = MSBuildWorkspace.Create(properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase));
        var problems = new List<Problem>();
        var loaded = new LoadProgress(progress);
        var clock = Stopwatch.StartNew();
        progress.Report($"Loading {Path.GetFileName(target.Path)}...");
        try
        {
            switch (target.Kind)
            {
                case TargetKind.Solution:
                    await workspace.OpenSolutionAsync(target.Path, loaded, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    foreach (var project in target.ProjectFiles)
                    {
                        // A project another one references is already loaded with it.
                        if (!workspace.CurrentSolution.Projects.Any(p => PathComparer.Instance.Equals(p.FilePath, project)))
                        {
                            await workspace.OpenProjectAsync(project, loaded, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    break;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            problems.Add(new Problem(ProblemSeverity.Error, $"cannot load {target.Path}: {exception.Message}"));
        }

        problems.AddRange(Classify(workspace.Diagnostics, workspace.CurrentSolution));
        foreach (var project in target.ProjectFiles)
        {
            if (!workspace.CurrentSolution.Projects.Any(p => PathComparer.Instance.Equals(p.FilePath, project)))
            {
                problems.Add(new Problem(ProblemSeverity.Error, $"project did not load: {project}", Path.GetFileNameWithoutExtension(project)));
            }
        }

        foreach (var problem in problems)
        {
            progress.Report(problem);
        }

        var count = workspace.CurrentSolution.Projects.Where(p => target.Includes(p.FilePath)).Select(p => p.FilePath).Distinct(PathComparer.Instance).Count();
        progress.Report($"Loaded {count} project{(count == 1 ? string.Empty : "s")} in {clock.Elapsed.TotalSeconds:0.0} s");
        return new LoadedWorkspace(workspace, target, problems);
    }

    /// <summary>
    /// MSBuildWorkspace reports every message of a project's design-time build as a failure, warnings included (a
    /// restore's NU1603 arrives as "Msbuild failed when processing the file ... with message: ... was resolved
    /// instead"). A project that loaded anyway is not a failure: its messages are warnings, and the compiler errors
    /// that a broken build causes are reported when the project is analyzed. A project that did not load is an error.
    /// </summary>
    private static IEnumerable<Problem> Classify(IEnumerable<WorkspaceDiagnostic> diagnostics, Solution solution)
    {
        var loaded = solution.Projects
            .Where(p => p.FilePath is not null && p.DocumentIds.Count > 0)
            .Select(p => p.FilePath!)
            .Distinct(PathComparer.Instance)
            .ToList();
        foreach (var diagnostic in diagnostics)
        {
            var project = loaded.FirstOrDefault(path => diagnostic.Message.Contains(path, StringComparison.Ordinal));
            if (diagnostic.Kind == WorkspaceDiagnosticKind.Failure && project is null)
            {
                yield return new Problem(ProblemSeverity.Error, diagnostic.Message);
            }
            else
            {
                yield return new Problem(ProblemSeverity.Warning, Shorten(diagnostic.Message, project), project is null ? null : Path.GetFileNameWithoutExtension(project));
            }
        }
    }

    /// <summary>"Msbuild failed when processing the file 'P' with message: M" becomes "Name: M" for a project that loaded.</summary>
    private static string Shorten(string message, string? project)
    {
        const string Marker = " with message: ";
        var index = message.IndexOf(Marker, StringComparison.Ordinal);
        return project is null || index < 0 ? message : $"{Path.GetFileNameWithoutExtension(project)}: {message[(index + Marker.Length)..]}";
    }

    /// <summary>One line per project and target framework once it has loaded.</summary>
    /// <remarks>Out-of-process loading reports no meaningful per-project time, so none is shown.</remarks>
    private sealed class LoadProgress(Progress progress) : IProgress<ProjectLoadProgress>
    {
        public void Report(ProjectLoadProgress value)
        {
            if (value.Operation == ProjectLoadOperation.Resolve)
            {
                var framework = value.TargetFramework is null ? string.Empty : $" ({value.TargetFramework})";
                progress.Report($"  loaded {Path.GetFileNameWithoutExtension(value.FilePath)}{framework}");
            }
        }
    }
}
