using Microsoft.CodeAnalysis;
using Nuzantara.Cli.Analysis;
using Nuzantara.Cli.CommandLine;

namespace Nuzantara.Cli;

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Nothing at or above the threshold.</summary>
    public const int Success = 0;

    /// <summary>A finding at or above the threshold, or work that could not be completed.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: an unknown option or rule, a missing path.</summary>
    public const int Usage = 2;

    /// <summary>Prints a usage error and returns <see cref="Usage"/>.</summary>
    public static int UsageError(TextWriter error, string message)
    {
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine($"error: {message}");
        return Usage;
    }

    /// <summary>
    /// 1 when a finding reaches <paramref name="failOn"/>; a project that failed to load or an analyzer that failed counts
    /// as an error, so a gate never passes on results it did not get.
    /// </summary>
    public static int ForCheck(CheckReport report, FailOn failOn)
    {
        ArgumentNullException.ThrowIfNull(report);
        var threshold = failOn switch
        {
            FailOn.Error => DiagnosticSeverity.Error,
            FailOn.Warning => DiagnosticSeverity.Warning,
            _ => (DiagnosticSeverity?)null,
        };
        if (threshold is null)
        {
            return Success;
        }

        var failed = report.Findings.Any(f => f.Severity >= threshold) || report.Problems.Any(p => p.Severity == ProblemSeverity.Error);
        return failed ? Failure : Success;
    }
}
