using Microsoft.CodeAnalysis;

namespace Nuzantara.Cli.Reporting;

/// <summary>Severity names in reports.</summary>
internal static class Severities
{
    /// <summary>The word for a severity in text and JSON reports: error, warning, info, hidden.</summary>
    public static string Name(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "info",
        _ => "hidden",
    };

    /// <summary>SARIF's level for a severity: error, warning, note, none.</summary>
    public static string SarifLevel(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "note",
        _ => "none",
    };
}
