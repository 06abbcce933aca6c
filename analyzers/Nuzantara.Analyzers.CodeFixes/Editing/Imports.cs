using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nuzantara.Analyzers.Editing;

/// <summary>Adds <c>using</c> directives a fix needs, unless the namespace is already imported (globally or in the file).</summary>
internal static class Imports
{
    internal static async Task<Document> AddMissingAsync(Document document, IEnumerable<string> namespaces, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not CompilationUnitSyntax root
            || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model)
        {
            return document;
        }

        var imported = new HashSet<string>(
            model.GetImportScopes(root.Members.FirstOrDefault()?.SpanStart ?? root.EndOfFileToken.SpanStart, cancellationToken)
                .SelectMany(scope => scope.Imports)
                .Select(import => import.NamespaceOrType.ToDisplayString()),
            System.StringComparer.Ordinal);
        foreach (var member in root.Members.OfType<BaseNamespaceDeclarationSyntax>())
        {
            imported.UnionWith(member.Usings.Select(u => u.Name?.ToString() ?? string.Empty));
        }

        var missing = namespaces.Where(n => !imported.Contains(n)).ToList();
        if (missing.Count == 0)
        {
            return document;
        }

        // The file's own line ending, so a fix never mixes CRLF into an LF file.
        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var newLine = endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine : SyntaxFactory.LineFeed;
        var usings = root.Usings;
        foreach (var name in missing)
        {
            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(name))
                .WithTrailingTrivia(newLine);
            var index = usings.TakeWhile(u => Precedes(u.Name?.ToString() ?? string.Empty, name)).Count();
            usings = usings.Insert(index, directive);
        }

        var updated = root.WithUsings(usings);
        if (root.Usings.Count == 0)
        {
            // Keep a blank line between the new directives and the first member.
            updated = updated.WithUsings(updated.Usings.Replace(updated.Usings.Last(), updated.Usings.Last().WithTrailingTrivia(newLine, newLine)));
        }

        return document.WithSyntaxRoot(updated);
    }

    // System first, then ordinal: the order dotnet_sort_system_directives_first produces.
    private static bool Precedes(string existing, string added)
    {
        var existingSystem = existing == "System" || existing.StartsWith("System.", System.StringComparison.Ordinal);
        var addedSystem = added == "System" || added.StartsWith("System.", System.StringComparison.Ordinal);
        return existingSystem != addedSystem ? existingSystem : string.CompareOrdinal(existing, added) < 0;
    }
}
