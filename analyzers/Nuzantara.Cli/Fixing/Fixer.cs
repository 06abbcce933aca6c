using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Nuzantara.Cli.Analysis;
using Nuzantara.Cli.Loading;

namespace Nuzantara.Cli.Fixing;

/// <summary>
/// Applies rules' code fixes across the target projects. Each pass analyzes, takes the equivalence key of the first
/// action offered for each diagnostic, and runs the provider's Fix All in solution scope for the most common key; the
/// next pass re-analyzes the fixed solution, until nothing fixable is left.
/// </summary>
internal sealed class Fixer
{
    /// <summary>Bounds the passes per rule: one per kind of fix is usual, a few more let nested fixes settle.</summary>
    private const int MaxPasses = 12;

    private readonly RuleCatalog _catalog;
    private readonly Progress _progress;

    /// <summary>Fixes with the catalog's analyzers and code fixes, reporting progress.</summary>
    public Fixer(RuleCatalog catalog, Progress progress)
    {
        _catalog = catalog;
        _progress = progress;
    }

    /// <summary>Fixes <paramref name="rules"/> in order; the files are not written.</summary>
    public async Task<FixResult> FixAsync(LoadedWorkspace loaded, IReadOnlyList<string> rules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(rules);
        var original = loaded.Solution;
        var primary = PrimaryDocuments(loaded, original);
        var solution = original;
        var results = new List<RuleFixResult>();
        var problems = new List<Problem>();
        foreach (var rule in rules)
        {
            var runner = new AnalyzerRunner(_catalog, [rule], includeOtherAnalyzers: false);
            var providers = _catalog.FixersFor(rule).ToList();
            var blocked = new HashSet<(CodeFixProvider, string?)>();
            var diagnostics = await AnalyzeAsync(loaded, solution, runner, primary, cancellationToken).ConfigureAwait(false);
            var found = diagnostics.Values.Sum(d => d.Length);
            _progress.Report($"{rule}: {found} finding{(found == 1 ? string.Empty : "s")} to fix");
            for (var pass = 1; pass <= MaxPasses && diagnostics.Count > 0; pass++)
            {
                Solution? next;
                try
                {
                    next = await FixOnceAsync(solution, rule, providers, diagnostics, blocked, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    problems.Add(new Problem(ProblemSeverity.Error, $"{rule}: the fix failed: {exception.Message}"));
                    break;
                }

                if (next is null)
                {
                    break;
                }

                solution = next;
                diagnostics = await AnalyzeAsync(loaded, solution, runner, primary, cancellationToken).ConfigureAwait(false);
            }

            var remaining = diagnostics.Values
                .SelectMany(d => d)
                .Select(d => Finding.From(d, ProjectNames.Display(solution.GetDocument(d.Location.SourceTree)!.Project)))
                .OrderBy(f => f.FilePath, StringComparer.Ordinal)
                .ThenBy(f => f.StartLine)
                .ToList();
            results.Add(new RuleFixResult(rule, found, remaining));
        }

        return new FixResult(results, await ChangesAsync(original, solution, cancellationToken).ConfigureAwait(false), problems);
    }

    /// <summary>
    /// One document per file: a multi-targeted project loads each file once per target framework, and fixing both
    /// copies would write the file twice.
    /// </summary>
    private static HashSet<DocumentId> PrimaryDocuments(LoadedWorkspace loaded, Solution solution)
    {
        var seen = new HashSet<string>(PathComparer.Instance);
        return loaded.TargetProjects(solution)
            .SelectMany(p => p.Documents)
            .Where(d => d.FilePath is not null && seen.Add(d.FilePath))
            .Select(d => d.Id)
            .ToHashSet();
    }

    private static async Task<Dictionary<DocumentId, ImmutableArray<Diagnostic>>> AnalyzeAsync(
        LoadedWorkspace loaded, Solution solution, AnalyzerRunner runner, HashSet<DocumentId> primary, CancellationToken cancellationToken)
    {
        var byDocument = new Dictionary<DocumentId, ImmutableArray<Diagnostic>>();
        foreach (var project in loaded.TargetProjects(solution).Where(p => p.DocumentIds.Any(primary.Contains)))
        {
            var analysis = await runner.AnalyzeAsync(project, withCompilerDiagnostics: false, cancellationToken).ConfigureAwait(false);
            foreach (var group in analysis.Diagnostics.Where(d => d.Location.IsInSource).GroupBy(d => solution.GetDocumentId(d.Location.SourceTree)))
            {
                if (group.Key is { } id && primary.Contains(id))
                {
                    byDocument[id] = [.. group];
                }
            }
        }

        return byDocument;
    }

    /// <summary>Applies one Fix All (or, for a provider without one, one fix); null when nothing could be fixed.</summary>
    private static async Task<Solution?> FixOnceAsync(
        Solution solution,
        string rule,
        List<CodeFixProvider> providers,
        Dictionary<DocumentId, ImmutableArray<Diagnostic>> diagnostics,
        HashSet<(CodeFixProvider, string?)> blocked,
        CancellationToken cancellationToken)
    {
        foreach (var provider in providers)
        {
            var offers = await FirstActionsAsync(solution, provider, diagnostics, cancellationToken).ConfigureAwait(false);
            foreach (var group in offers.GroupBy(o => o.Action.EquivalenceKey).OrderByDescending(g => g.Count()))
            {
                if (blocked.Contains((provider, group.Key)))
                {
                    continue;
                }

                var action = await FixAllAsync(provider, group.First().Document, group.Key, rule, diagnostics, cancellationToken).ConfigureAwait(false)
                    ?? group.First().Action;
                var changed = await ApplyAsync(action, cancellationToken).ConfigureAwait(false);
                if (changed is null || !changed.GetChanges(solution).GetProjectChanges().Any())
                {
                    blocked.Add((provider, group.Key));
                    continue;
                }

                return changed;
            }
        }

        return null;
    }

    /// <summary>The first action each diagnostic is offered: its equivalence key says which Fix All covers it.</summary>
    private static async Task<List<(Document Document, CodeAction Action)>> FirstActionsAsync(
        Solution solution, CodeFixProvider provider, Dictionary<DocumentId, ImmutableArray<Diagnostic>> diagnostics, CancellationToken cancellationToken)
    {
        var offers = new List<(Document, CodeAction)>();
        foreach (var (id, documentDiagnostics) in diagnostics)
        {
            var document = solution.GetDocument(id)!;
            foreach (var diagnostic in documentDiagnostics.Where(d => provider.FixableDiagnosticIds.Contains(d.Id)))
            {
                var actions = new List<CodeAction>();
                var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken);
                await provider.RegisterCodeFixesAsync(context).ConfigureAwait(false);
                if (actions.Count > 0)
                {
                    offers.Add((document, actions[0]));
                }
            }
        }

        return offers;
    }

    private static async Task<CodeAction?> FixAllAsync(
        CodeFixProvider provider, Document document, string? key, string rule, Dictionary<DocumentId, ImmutableArray<Diagnostic>> diagnostics, CancellationToken cancellationToken)
    {
        var fixAll = provider.GetFixAllProvider();
        if (fixAll is null || !fixAll.GetSupportedFixAllScopes().Contains(FixAllScope.Solution))
        {
            return null;
        }

        var context = new FixAllContext(document, provider, FixAllScope.Solution, key, [rule], new KnownDiagnostics(diagnostics), cancellationToken);
        return await fixAll.GetFixAsync(context).ConfigureAwait(false);
    }

    private static async Task<Solution?> ApplyAsync(CodeAction action, CancellationToken cancellationToken)
    {
        var operations = await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false);
        return operations.OfType<ApplyChangesOperation>().LastOrDefault()?.ChangedSolution;
    }

    /// <summary>The files whose text differs between the two solutions, one entry per path.</summary>
    private static async Task<List<FileChange>> ChangesAsync(Solution original, Solution fixedSolution, CancellationToken cancellationToken)
    {
        var changes = new Dictionary<string, FileChange>(PathComparer.Instance);
        foreach (var project in fixedSolution.GetChanges(original).GetProjectChanges())
        {
            var ids = project.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true).Concat(project.GetAddedDocuments());
            foreach (var id in ids)
            {
                var document = fixedSolution.GetDocument(id);
                if (document?.FilePath is not { } path || changes.ContainsKey(path))
                {
                    continue;
                }

                var after = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
                var before = original.GetDocument(id) is { } old ? await old.GetTextAsync(cancellationToken).ConfigureAwait(false) : null;
                var beforeText = before?.ToString() ?? string.Empty;
                var afterText = after.ToString();
                if (!string.Equals(beforeText, afterText, StringComparison.Ordinal))
                {
                    changes[path] = new FileChange(path, beforeText, afterText, EncodingOf(path, before?.Encoding ?? after.Encoding));
                }
            }
        }

        return changes.Values.OrderBy(c => c.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>The encoding the file was read in; for UTF-8, with a byte order mark only when the file had one.</summary>
    private static Encoding EncodingOf(string path, Encoding? read)
    {
        if (read is not null and not UTF8Encoding)
        {
            return read;
        }

        var bom = Encoding.UTF8.Preamble;
        var hasBom = false;
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            Span<byte> start = stackalloc byte[3];
            hasBom = stream.Read(start) == 3 && start.SequenceEqual(bom);
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: hasBom);
    }
}
