namespace Nuzantara.Cli;

/// <summary>How bad a problem met while loading or analyzing is.</summary>
internal enum ProblemSeverity
{
    /// <summary>Results are still complete, such as a restore warning.</summary>
    Warning,

    /// <summary>Results are partial: a project did not load, a restore or an analyzer failed.</summary>
    Error,
}

/// <summary>Something that went wrong around the analysis rather than a finding in the code.</summary>
/// <param name="Severity">How bad it is.</param>
/// <param name="Message">What happened, for a person.</param>
/// <param name="Project">The project it concerns, when one.</param>
internal sealed record Problem(ProblemSeverity Severity, string Message, string? Project = null);
