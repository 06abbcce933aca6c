using System.Text;
using Nuzantara.Cli.Analysis;

namespace Nuzantara.Cli.Fixing;

/// <summary>What <c>nuzantara fix</c> did for one rule.</summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Found">Findings before fixing.</param>
/// <param name="Remaining">Findings left after fixing: their code has a shape the fix does not rewrite.</param>
internal sealed record RuleFixResult(string RuleId, int Found, IReadOnlyList<Finding> Remaining)
{
    /// <summary>How many findings the fix removed.</summary>
    public int Fixed => Math.Max(0, Found - Remaining.Count);
}

/// <summary>One file the fixes changed.</summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Before">Its text before.</param>
/// <param name="After">Its text after.</param>
/// <param name="Encoding">The encoding to write it in: the one it was read in.</param>
internal sealed record FileChange(string Path, string Before, string After, Encoding Encoding);

/// <summary>Everything <c>nuzantara fix</c> did.</summary>
/// <param name="Rules">Per rule, what was found and what is left.</param>
/// <param name="Changes">The changed files, by path.</param>
/// <param name="Problems">Fixes that failed.</param>
internal sealed record FixResult(IReadOnlyList<RuleFixResult> Rules, IReadOnlyList<FileChange> Changes, IReadOnlyList<Problem> Problems);
