using Microsoft.CodeAnalysis;

namespace Nuzantara.Cli.Analysis;

/// <summary>One diagnostic as reported: rule, effective severity, message, where (1-based lines and columns).</summary>
/// <param name="Descriptor">The rule's descriptor.</param>
/// <param name="Severity">The severity in force, after <c>.editorconfig</c>.</param>
/// <param name="Message">The diagnostic's message.</param>
/// <param name="Project">The project's name, without its target framework.</param>
/// <param name="FilePath">The full path of the file, when the diagnostic has one.</param>
/// <param name="StartLine">First line, from 1.</param>
/// <param name="StartColumn">First column, from 1, in UTF-16 code units.</param>
/// <param name="EndLine">Last line, from 1.</param>
/// <param name="EndColumn">Column after the last character, from 1.</param>
internal sealed record Finding(
    DiagnosticDescriptor Descriptor,
    DiagnosticSeverity Severity,
    string Message,
    string Project,
    string? FilePath,
    int StartLine,
    int StartColumn,
    int EndLine,
    int EndColumn)
{
    /// <summary>The rule's id.</summary>
    public string RuleId => Descriptor.Id;

    /// <summary>Builds the finding of a diagnostic reported in <paramref name="project"/>.</summary>
    public static Finding From(Diagnostic diagnostic, string project)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        var span = diagnostic.Location.GetMappedLineSpan();
        if (!span.IsValid)
        {
            span = diagnostic.Location.GetLineSpan();
        }

        var path = span.IsValid && !string.IsNullOrEmpty(span.Path) ? span.Path : null;
        return new Finding(
            diagnostic.Descriptor,
            diagnostic.Severity,
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
            project,
            path,
            span.StartLinePosition.Line + 1,
            span.StartLinePosition.Character + 1,
            span.EndLinePosition.Line + 1,
            span.EndLinePosition.Character + 1);
    }
}
