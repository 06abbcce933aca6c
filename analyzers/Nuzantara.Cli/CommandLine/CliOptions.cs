namespace Nuzantara.Cli.CommandLine;

/// <summary>The report formats of <c>nuzantara check</c>.</summary>
internal enum ReportFormat
{
    /// <summary>Findings grouped by rule and file, then summary tables.</summary>
    Text,

    /// <summary>One JSON document: findings, summary and problems.</summary>
    Json,

    /// <summary>SARIF 2.1.0, for code-scanning services.</summary>
    Sarif,
}

/// <summary>The least severity that makes <c>nuzantara check</c> exit with 1.</summary>
internal enum FailOn
{
    /// <summary>Never fail on findings.</summary>
    None,

    /// <summary>Fail on a warning or an error.</summary>
    Warning,

    /// <summary>Fail on an error.</summary>
    Error,
}

/// <summary>Whether to run <c>dotnet restore</c> before loading.</summary>
internal enum RestoreMode
{
    /// <summary>Restore when a project has no restore output.</summary>
    Auto,

    /// <summary>Always restore.</summary>
    Always,

    /// <summary>Never restore.</summary>
    Never,
}

/// <summary>What both commands share: the target and how to load it.</summary>
internal abstract record CommandOptions(string Path, RestoreMode Restore, IReadOnlyDictionary<string, string> Properties, bool Quiet);

/// <summary>Options of <c>nuzantara check</c>.</summary>
internal sealed record CheckOptions(
    string Path,
    RestoreMode Restore,
    IReadOnlyDictionary<string, string> Properties,
    bool Quiet,
    ReportFormat Format,
    string? OutputFile,
    IReadOnlyList<string> Rules,
    FailOn FailOn,
    bool IncludeOtherAnalyzers)
    : CommandOptions(Path, Restore, Properties, Quiet);

/// <summary>Options of <c>nuzantara fix</c>.</summary>
internal sealed record FixOptions(
    string Path,
    RestoreMode Restore,
    IReadOnlyDictionary<string, string> Properties,
    bool Quiet,
    IReadOnlyList<string> Rules,
    bool DryRun)
    : CommandOptions(Path, Restore, Properties, Quiet);
