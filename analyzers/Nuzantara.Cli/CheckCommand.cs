using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Nuzantara.Cli.Analysis;
using Nuzantara.Cli.CommandLine;
using Nuzantara.Cli.Loading;
using Nuzantara.Cli.Reporting;

namespace Nuzantara.Cli;

/// <summary><c>nuzantara check</c>: load, analyze every target project, report, and decide the exit code.</summary>
internal sealed class CheckCommand
{
    private readonly RuleCatalog _catalog;
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    /// <summary>Reports to <paramref name="output"/>; progress and problems go to <paramref name="error"/>.</summary>
    public CheckCommand(RuleCatalog catalog, TextWriter output, TextWriter error)
    {
        _catalog = catalog;
        _output = output;
        _error = error;
    }

    /// <summary>Runs the command.</summary>
    /// <returns>The exit code: 0, 1 when a finding or load failure reaches <c>--fail-on</c>, 2 for a usage error.</returns>
    public async Task<int> RunAsync(CheckOptions options, string currentDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var unknown = options.Rules.Where(r => !_catalog.Contains(r) && !options.IncludeOtherAnalyzers).ToList();
        if (unknown.Count > 0)
        {
            return ExitCodes.UsageError(_error, UnknownRules(unknown, options.IncludeOtherAnalyzers));
        }

        Target target;
        try
        {
            target = TargetResolver.Resolve(options.Path, currentDirectory);
        }
        catch (TargetException exception)
        {
            return ExitCodes.UsageError(_error, exception.Message);
        }

        var progress = new Progress(_error, options.Quiet);
        WorkspaceLoader.RegisterMSBuild();
        var problems = new List<Problem>(await Restorer.RestoreAsync(target, options.Restore, options.Properties, progress, cancellationToken).ConfigureAwait(false));
        using var loaded = await WorkspaceLoader.LoadAsync(target, options.Properties, progress, cancellationToken).ConfigureAwait(false);
        problems.AddRange(loaded.Problems);

        var runner = new AnalyzerRunner(_catalog, options.Rules, options.IncludeOtherAnalyzers);
        var projects = loaded.TargetProjects(loaded.Solution);
        var findings = new List<Finding>();
        var ran = new Dictionary<string, DiagnosticDescriptor>(StringComparer.Ordinal);
        for (var i = 0; i < projects.Count; i++)
        {
            var project = projects[i];
            progress.Report($"Analyzing {project.Name} [{i + 1}/{projects.Count}]...");
            try
            {
                var analysis = await runner.AnalyzeAsync(project, withCompilerDiagnostics: true, cancellationToken).ConfigureAwait(false);
                findings.AddRange(analysis.Diagnostics.Select(d => Finding.From(d, ProjectNames.Display(project))));
                foreach (var descriptor in analysis.Descriptors)
                {
                    ran.TryAdd(descriptor.Id, descriptor);
                }

                foreach (var problem in analysis.Problems)
                {
                    progress.Report(problem);
                    problems.Add(problem);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                var problem = new Problem(ProblemSeverity.Error, $"analysis of {project.Name} failed: {exception.Message}", ProjectNames.Display(project));
                progress.Report(problem);
                problems.Add(problem);
            }
        }

        // With --include-other-analyzers a requested id is known only once the projects' analyzers are loaded.
        var unmatched = options.Rules.Where(r => !_catalog.Contains(r) && !ran.ContainsKey(r)).ToList();
        if (unmatched.Count > 0)
        {
            var problem = new Problem(ProblemSeverity.Error, UnknownRules(unmatched, options.IncludeOtherAnalyzers));
            progress.Report(problem);
            problems.Add(problem);
        }

        var unique = Deduplicate(findings);
        var report = new CheckReport(
            target,
            Rules(options, ran, unique),
            _catalog.Rules.Where(r => _catalog.GetName(r.Id) is not null).ToDictionary(r => r.Id, r => _catalog.GetName(r.Id)!, StringComparer.Ordinal),
            unique,
            projects.Select(ProjectNames.Display).Distinct(StringComparer.Ordinal).ToList(),
            problems.Distinct().ToList(),
            clock.Elapsed);
        await WriteReportAsync(options, report, currentDirectory, progress, cancellationToken).ConfigureAwait(false);

        if (unmatched.Count > 0)
        {
            return ExitCodes.Usage;
        }

        return ExitCodes.ForCheck(report, options.FailOn);
    }

    private string UnknownRules(IEnumerable<string> ids, bool includeOtherAnalyzers)
        => $"unknown rule {string.Join(", ", ids)}; the rules are {string.Join(", ", _catalog.Rules.Select(r => r.Id))}"
            + (includeOtherAnalyzers ? " and those of the analyzers the projects reference" : " (other analyzers' rules need --include-other-analyzers)");

    /// <summary>The NZ rules that ran (all, or the requested ones), then other analyzers' rules that were requested or reported.</summary>
    private List<DiagnosticDescriptor> Rules(CheckOptions options, Dictionary<string, DiagnosticDescriptor> ran, List<Finding> findings)
        => _catalog.Rules
            .Where(r => options.Rules.Count == 0 || options.Rules.Contains(r.Id, StringComparer.Ordinal))
            .Concat(ran.Values
                .Where(d => !_catalog.Contains(d.Id) && (options.Rules.Contains(d.Id, StringComparer.Ordinal) || findings.Any(f => f.RuleId == d.Id)))
                .OrderBy(d => d.Id, StringComparer.Ordinal))
            .ToList();

    /// <summary>
    /// One finding per place: a multi-targeted project reports the same diagnostic once per target framework.
    /// </summary>
    private static List<Finding> Deduplicate(IEnumerable<Finding> findings)
        => findings
            .DistinctBy(f => (f.RuleId, f.FilePath, f.StartLine, f.StartColumn, f.EndLine, f.EndColumn, f.Message))
            .OrderBy(f => f.RuleId, StringComparer.Ordinal)
            .ThenBy(f => f.FilePath, StringComparer.Ordinal)
            .ThenBy(f => f.StartLine)
            .ThenBy(f => f.StartColumn)
            .ToList();

    private async Task WriteReportAsync(CheckOptions options, CheckReport report, string currentDirectory, Progress progress, CancellationToken cancellationToken)
    {
        var reporter = Reporters.For(options.Format);
        if (options.OutputFile is null)
        {
            reporter.Write(report, _output);
            return;
        }

        var path = Path.GetFullPath(options.OutputFile, currentDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var text = new StringWriter();
        reporter.Write(report, text);
        await File.WriteAllTextAsync(path, text.ToString(), cancellationToken).ConfigureAwait(false);
        progress.Report($"Report written to {path}");
    }
}
