using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers;

namespace Nuzantara.Demo.Tests.Infrastructure;

/// <summary>
/// One NZ diagnostic, anchored where a pin survives edits: its rule, its file (relative to the project) and the member
/// it is in (<c>Type.Member</c>), never a line or a column.
/// </summary>
internal sealed record NzFinding(string RuleId, string File, string Member, string Message)
{
    /// <summary>The line of the expectation file: <c>NZ1001 | Query/MemorySaveService.cs | MemorySaveService.SaveAsync</c>.</summary>
    public string Anchor => $"{RuleId} | {File} | {Member}";
}

/// <summary>Runs every rule of the Nuzantara.Analyzers assembly over a project, as <c>nuzantara check</c> does.</summary>
internal static class NzFindings
{
    /// <summary>Every analyzer in the assembly, found by reflection: a new rule needs no change here.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
    [
        .. typeof(RuleIdentifiers).Assembly.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    /// <summary>The ids the rules report.</summary>
    public static ImmutableSortedSet<string> RuleIds { get; } =
        Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToImmutableSortedSet(StringComparer.Ordinal);

    public static async Task<IReadOnlyList<NzFinding>> AnalyzeAsync(Project project, Compilation compilation, string projectDirectory)
    {
        var diagnostics = await compilation.WithAnalyzers(Analyzers, project.AnalyzerOptions).GetAnalyzerDiagnosticsAsync();

        var crashes = diagnostics.Where(d => d.Id == "AD0001").ToList();
        Assert.True(crashes.Count == 0, "An analyzer failed:\n" + string.Join('\n', crashes.Select(d => d.GetMessage(CultureInfo.InvariantCulture))));

        return
        [
            .. diagnostics
                .Where(d => RuleIds.Contains(d.Id) && d.Severity != DiagnosticSeverity.Hidden && !d.IsSuppressed)
                .Select(d => ToFinding(d, projectDirectory))
                .OrderBy(f => f.Anchor, StringComparer.Ordinal),
        ];
    }

    private static NzFinding ToFinding(Diagnostic diagnostic, string projectDirectory)
    {
        var tree = diagnostic.Location.SourceTree
            ?? throw new InvalidOperationException($"{diagnostic.Id} has no source location: {diagnostic}");
        var file = Path.GetRelativePath(projectDirectory, tree.FilePath).Replace('\\', '/');
        var node = tree.GetRoot().FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        return new NzFinding(diagnostic.Id, file, MemberOf(node), diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    /// <summary><c>Type.Member</c> (nested types joined by dots); <c>Type</c> alone on the type's own declaration.</summary>
    private static string MemberOf(SyntaxNode node)
    {
        var member = node.AncestorsAndSelf().OfType<MemberDeclarationSyntax>()
            .FirstOrDefault(m => m is not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax);
        var types = node.AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>().Reverse().Select(t => t.Identifier.ValueText);
        var name = member switch
        {
            null => null,
            MethodDeclarationSyntax method => method.Identifier.ValueText,
            ConstructorDeclarationSyntax => ".ctor",
            PropertyDeclarationSyntax property => property.Identifier.ValueText,
            IndexerDeclarationSyntax => "this[]",
            EventDeclarationSyntax @event => @event.Identifier.ValueText,
            BaseFieldDeclarationSyntax field => string.Join(",", field.Declaration.Variables.Select(v => v.Identifier.ValueText)),
            OperatorDeclarationSyntax @operator => "operator " + @operator.OperatorToken.ValueText,
            ConversionOperatorDeclarationSyntax conversion => conversion.ImplicitOrExplicitKeyword.ValueText + " operator " + conversion.Type,
            GlobalStatementSyntax => "<top-level statements>",
            _ => member.Kind().ToString(),
        };
        return string.Join(".", name is null ? types : types.Append(name)) is { Length: > 0 } anchor ? anchor : "<file>";
    }
}
