using Nuzantara.Cli.Analysis;
using Nuzantara.Cli.CommandLine;
using Nuzantara.Cli.Fixing;
using Nuzantara.Cli.Loading;

namespace Nuzantara.Cli;

/// <summary><c>nuzantara fix</c>: applies the rules' Fix All, then writes the files or prints a unified diff.</summary>
internal sealed class FixCommand
{
    private readonly RuleCatalog _catalog;
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    /// <summary>Prints to <paramref name="output"/>; progress and problems go to <paramref name="error"/>.</summary>
    public FixCommand(RuleCatalog catalog, TextWriter output, TextWriter error)
    {
        _catalog = catalog;
        _output = output;
        _error = error;
    }

    /// <summary>Runs the command.</summary>
    /// <returns>The exit code: 0, 1 when a project failed to load or a fix failed, 2 for a usage error.</returns>
    public async Task<int> RunAsync(FixOptions options, string currentDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var unknown = options.Rules.Where(r => !_catalog.Contains(r)).ToList();
        if (unknown.Count > 0)
        {
            return ExitCodes.UsageError(_error, $"unknown rule {string.Join(", ", unknown)}; the rules are {string.Join(", ", _catalog.Rules.Select(r => r.Id))}");
        }

        var unfixable = options.Rules.Where(r => !_catalog.FixersFor(r).Any()).ToList();
        if (unfixable.Count > 0)
        {
            var fixable = _catalog.Rules.Select(r => r.Id).Where(id => _catalog.FixersFor(id).Any());
            return ExitCodes.UsageError(_error, $"{string.Join(", ", unfixable)} ha{(unfixable.Count == 1 ? "s" : "ve")} no code fix; rules with one: {string.Join(", ", fixable)}");
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

        var result = await new Fixer(_catalog, progress).FixAsync(loaded, options.Rules, cancellationToken).ConfigureAwait(false);
        foreach (var problem in result.Problems)
        {
            progress.Report(problem);
        }

        problems.AddRange(result.Problems);
        if (options.DryRun)
        {
            // The diff alone goes to standard output, so that it can be piped into git apply or patch -p1.
            foreach (var change in result.Changes)
            {
                var name = RelativePath(target, change.Path);
                _output.Write(UnifiedDiff.Create(change.Before, change.After, "a/" + name, "b/" + name));
            }

            WriteSummary(_error, target, result, dryRun: true);
        }
        else
        {
            foreach (var change in result.Changes)
            {
                await File.WriteAllTextAsync(change.Path, change.After, change.Encoding, cancellationToken).ConfigureAwait(false);
            }

            WriteSummary(_output, target, result, dryRun: false);
        }

        return problems.Any(p => p.Severity == ProblemSeverity.Error) ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static void WriteSummary(TextWriter writer, Target target, FixResult result, bool dryRun)
    {
        foreach (var rule in result.Rules)
        {
            if (rule.Found == 0)
            {
                writer.WriteLine($"{rule.RuleId}: no findings");
                continue;
            }

            writer.WriteLine($"{rule.RuleId}: {(dryRun ? "would fix" : "fixed")} {rule.Fixed} of {rule.Found} finding{(rule.Found == 1 ? string.Empty : "s")}");
            if (rule.Remaining.Count > 0)
            {
                writer.WriteLine($"  left for a person ({rule.Remaining.Count}): the fix does not rewrite code of this shape");
                foreach (var finding in rule.Remaining)
                {
                    var where = finding.FilePath is null ? "(no file)" : $"{RelativePath(target, finding.FilePath)}:{finding.StartLine}:{finding.StartColumn}";
                    writer.WriteLine($"    {where}  {finding.Message}");
                }
            }
        }

        if (result.Changes.Count == 0)
        {
            writer.WriteLine("No file changed.");
            return;
        }

        var count = result.Changes.Count;
        writer.WriteLine($"{(dryRun ? "Would change" : "Changed")} {count} file{(count == 1 ? string.Empty : "s")}{(dryRun ? " (dry run: nothing written)" : string.Empty)}:");
        foreach (var change in result.Changes)
        {
            var (added, removed) = UnifiedDiff.Count(change.Before, change.After);
            writer.WriteLine($"  {RelativePath(target, change.Path)}  (+{added} -{removed})");
        }
    }

    private static string RelativePath(Target target, string path)
    {
        var relative = Path.GetRelativePath(target.RootDirectory, path);
        return Path.IsPathRooted(relative) ? path : relative.Replace('\\', '/');
    }
}
