using Microsoft.CodeAnalysis;
using Nuzantara.Cli.Loading;

namespace Nuzantara.Cli.Analysis;

/// <summary>Everything <c>nuzantara check</c> found, ready for a reporter.</summary>
/// <param name="Target">What was analyzed.</param>
/// <param name="Rules">The rules that ran, by id.</param>
/// <param name="RuleNames">Rule names for SARIF, such as <c>LockWithoutTimeout</c>, where known.</param>
/// <param name="Findings">The findings, ordered by rule, file and position.</param>
/// <param name="Projects">The projects analyzed, by display name.</param>
/// <param name="Problems">Problems met on the way.</param>
/// <param name="Elapsed">Time taken, loading included.</param>
internal sealed record CheckReport(
    Target Target,
    IReadOnlyList<DiagnosticDescriptor> Rules,
    IReadOnlyDictionary<string, string> RuleNames,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> Projects,
    IReadOnlyList<Problem> Problems,
    TimeSpan Elapsed)
{
    /// <summary>A finding's path relative to the target's folder, with forward slashes; absolute when outside it.</summary>
    public string RelativePath(string path)
    {
        var relative = Path.GetRelativePath(Target.RootDirectory, path);
        var outside = relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative);
        return outside ? path : relative.Replace('\\', '/');
    }

    /// <summary>Whether a path lies inside the target's folder.</summary>
    public bool IsUnderRoot(string path) => !Path.IsPathRooted(RelativePath(path));

    /// <summary>Findings of a severity.</summary>
    public int Count(DiagnosticSeverity severity) => Findings.Count(f => f.Severity == severity);
}
