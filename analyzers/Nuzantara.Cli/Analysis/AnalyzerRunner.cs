using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Nuzantara.Cli.Analysis;

/// <summary>
/// Runs analyzers over one project's compilation with the project's own analyzer options, so that
/// <c>.editorconfig</c> rule options reach the rules and its severities (part of the compilation options'
/// syntax-tree options when MSBuildWorkspace loads the project) decide what is reported and how.
/// </summary>
internal sealed class AnalyzerRunner
{
    private const string AnalyzerExceptionId = "AD0001";

    private readonly RuleCatalog _catalog;
    private readonly IReadOnlyCollection<string> _rules;
    private readonly bool _includeOtherAnalyzers;

    /// <summary>Runs the catalog's analyzers for <paramref name="rules"/> (all when empty), and optionally the projects' own.</summary>
    public AnalyzerRunner(RuleCatalog catalog, IReadOnlyCollection<string> rules, bool includeOtherAnalyzers)
    {
        _catalog = catalog;
        _rules = rules;
        _includeOtherAnalyzers = includeOtherAnalyzers;
    }

    /// <summary>Analyzes a project: its reported diagnostics, and problems such as compiler errors or failing analyzers.</summary>
    public async Task<ProjectAnalysis> AnalyzeAsync(Project project, bool withCompilerDiagnostics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        var name = ProjectNames.Display(project);
        var problems = new List<Problem>();
        var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        if (compilation is null)
        {
            return new ProjectAnalysis(project, [], [new Problem(ProblemSeverity.Error, $"{name}: no compilation (not a C# project?)", name)], []);
        }

        var analyzers = Analyzers(project, problems);
        if (analyzers.IsEmpty)
        {
            return new ProjectAnalysis(project, [], problems, []);
        }

        var reportable = analyzers.SelectMany(SupportedIds).ToHashSet(StringComparer.Ordinal);
        var withAnalyzers = compilation.WithAnalyzers(analyzers, project.AnalyzerOptions);
        var all = withCompilerDiagnostics
            ? await withAnalyzers.GetAllDiagnosticsAsync(cancellationToken).ConfigureAwait(false)
            : await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken).ConfigureAwait(false);

        var compilerErrors = all.Where(d => d.Severity == DiagnosticSeverity.Error && d.Descriptor.CustomTags.Contains(WellKnownDiagnosticTags.Compiler)).ToList();
        if (compilerErrors.Count > 0)
        {
            var first = Finding.From(compilerErrors[0], name);
            // Code that does not compile (often a project whose build or restore failed) cannot be trusted to be analyzed fully.
            problems.Add(new Problem(
                ProblemSeverity.Error,
                $"{name}: {compilerErrors.Count} compiler error(s), findings may be incomplete; first: {first.RuleId} {first.Message} ({first.FilePath}:{first.StartLine})",
                name));
        }

        foreach (var failure in all.Where(d => d.Id == AnalyzerExceptionId))
        {
            problems.Add(new Problem(ProblemSeverity.Error, $"{name}: {failure.GetMessage(CultureInfo.InvariantCulture)}", name));
        }

        var diagnostics = all
            .Where(d => d.Severity != DiagnosticSeverity.Hidden && !d.IsSuppressed && reportable.Contains(d.Id) && IsRequested(d.Id))
            .ToImmutableArray();
        return new ProjectAnalysis(project, diagnostics, problems, analyzers.SelectMany(a => a.SupportedDiagnostics).ToImmutableArray());
    }

    private bool IsRequested(string id) => _rules.Count == 0 || _rules.Contains(id, StringComparer.Ordinal);

    private ImmutableArray<DiagnosticAnalyzer> Analyzers(Project project, List<Problem> problems)
    {
        var analyzers = _catalog.AnalyzersFor(_rules).ToBuilder();
        if (!_includeOtherAnalyzers)
        {
            return analyzers.ToImmutable();
        }

        foreach (var reference in project.AnalyzerReferences)
        {
            try
            {
                // A project that references the Nuzantara package already has our rules; the catalog's copy runs instead.
                analyzers.AddRange(reference.GetAnalyzers(project.Language).Where(a =>
                {
                    var ids = SupportedIds(a).ToList();
                    return ids.Count > 0 && !ids.All(_catalog.Contains) && (_rules.Count == 0 || ids.Any(IsRequested));
                }));
            }
            catch (Exception exception) when (exception is IOException or BadImageFormatException or TypeLoadException)
            {
                problems.Add(new Problem(ProblemSeverity.Warning, $"{ProjectNames.Display(project)}: cannot load analyzer {reference.Display}: {exception.Message}"));
            }
        }

        return analyzers.ToImmutable();
    }

    private static IEnumerable<string> SupportedIds(DiagnosticAnalyzer analyzer)
    {
        try
        {
            return analyzer.SupportedDiagnostics.Select(d => d.Id);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // An analyzer whose descriptors throw reports nothing; the driver reports its failure as AD0001.
            return [];
        }
    }
}

/// <summary>What analyzing one project gave.</summary>
/// <param name="Project">The project.</param>
/// <param name="Diagnostics">The diagnostics to report: requested rules, visible severities, not suppressed.</param>
/// <param name="Problems">Compiler errors, analyzers that failed.</param>
/// <param name="Descriptors">The descriptors of every analyzer that ran.</param>
internal sealed record ProjectAnalysis(Project Project, ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<Problem> Problems, ImmutableArray<DiagnosticDescriptor> Descriptors);

/// <summary>How projects are named in reports.</summary>
internal static class ProjectNames
{
    /// <summary>The project file's name: one name for all of a multi-targeted project's target frameworks.</summary>
    public static string Display(Project project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return project.FilePath is null ? project.Name : Path.GetFileNameWithoutExtension(project.FilePath);
    }
}
