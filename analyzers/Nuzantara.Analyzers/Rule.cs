using Microsoft.CodeAnalysis;

namespace Nuzantara.Analyzers;

/// <summary>Builds descriptors the same way for every rule: help link, tags, enabled by default.</summary>
internal static class Rule
{
    internal static DiagnosticDescriptor Create(
        string id,
        string category,
        DiagnosticSeverity severity,
        string title,
        string messageFormat,
        string description)
        => new(
            id,
            title,
            messageFormat,
            category,
            severity,
            isEnabledByDefault: true,
            description,
            RuleIdentifiers.GetHelpUri(id),
            WellKnownDiagnosticTags.Telemetry);
}
