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

    /// <summary>A descriptor with custom tags besides the usual ones, such as <see cref="WellKnownDiagnosticTags.CompilationEnd"/> for a rule that reports at compilation end.</summary>
    internal static DiagnosticDescriptor Create(
        string id,
        string category,
        DiagnosticSeverity severity,
        string title,
        string messageFormat,
        string description,
        params string[] customTags)
    {
        var descriptor = Create(id, category, severity, title, messageFormat, description);
        return new(
            descriptor.Id,
            descriptor.Title,
            descriptor.MessageFormat,
            descriptor.Category,
            descriptor.DefaultSeverity,
            descriptor.IsEnabledByDefault,
            descriptor.Description,
            descriptor.HelpLinkUri,
            [.. descriptor.CustomTags, .. customTags]);
    }
}
