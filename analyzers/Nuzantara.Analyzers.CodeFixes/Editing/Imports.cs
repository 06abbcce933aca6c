using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nuzantara.Analyzers.Editing;

/// <summary>Adds <c>using</c> directives a fix needs, unless the namespace is already imported (globally or in the file).</summary>
/// <remarks>
/// A namespace whose import would make a name of the file ambiguous (Nito.AsyncEx's <c>AsyncLock</c> beside the
/// runtime's) is not imported: the names the fix wrote are qualified instead, and its extension methods come in
/// through <c>using static</c>, so the fixed file compiles and every old name keeps its meaning.
/// </remarks>
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

        var staticImports = new List<string>();
        var qualified = new Dictionary<SimpleNameSyntax, INamespaceSymbol>();
        foreach (var name in missing.ToList())
        {
            if (Namespace(model.Compilation, name) is { } space && WouldBeAmbiguous(root, model, space, cancellationToken))
            {
                missing.Remove(name);
                foreach (var unbound in UnboundNames(root, model, space, staticImports, cancellationToken))
                {
                    qualified[unbound] = space;
                }
            }
        }

        // A type position takes a qualified name; an expression (LockMode.Read) takes member accesses, as the parser reads them.
        root = root.ReplaceNodes(
            qualified.Keys,
            (original, _) =>
            {
                var text = qualified[original].ToDisplayString() + "." + original.WithoutTrivia().ToFullString();
                ExpressionSyntax replacement = SyntaxFacts.IsInTypeOnlyContext(original) || original.Parent is ObjectCreationExpressionSyntax
                    ? SyntaxFactory.ParseName(text)
                    : SyntaxFactory.ParseExpression(text);
                return replacement.WithTriviaFrom(original);
            });

        // The file's own line ending, so a fix never mixes CRLF into an LF file.
        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var newLine = endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine : SyntaxFactory.LineFeed;
        var usings = root.Usings;
        foreach (var name in missing)
        {
            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(name))
                .WithTrailingTrivia(newLine);
            var index = usings.TakeWhile(u => u.StaticKeyword.IsKind(SyntaxKind.None) && Precedes(u.Name?.ToString() ?? string.Empty, name)).Count();
            usings = usings.Insert(index, directive);
        }

        foreach (var name in staticImports.Distinct().Where(n => !usings.Any(u => u.StaticKeyword.IsKind(SyntaxKind.StaticKeyword) && u.Name?.ToString() == n)))
        {
            usings = usings.Add(SyntaxFactory.UsingDirective(SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space), null, SyntaxFactory.ParseName(name))
                .WithTrailingTrivia(newLine));
        }

        if (usings.Count == root.Usings.Count)
        {
            return document.WithSyntaxRoot(root);
        }

        var updated = root.WithUsings(usings);
        if (root.Usings.Count == 0)
        {
            // Keep a blank line between the new directives and the first member.
            updated = updated.WithUsings(updated.Usings.Replace(updated.Usings.Last(), updated.Usings.Last().WithTrailingTrivia(newLine, newLine)));
        }

        return document.WithSyntaxRoot(updated);
    }

    /// <summary>Whether a simple name of the file means a type of another namespace that <paramref name="space"/> also declares.</summary>
    private static bool WouldBeAmbiguous(CompilationUnitSyntax root, SemanticModel model, INamespaceSymbol space, CancellationToken cancellationToken)
    {
        var declared = TypeNames(space);
        return root.DescendantNodes()
            .OfType<SimpleNameSyntax>()
            .Where(name => declared.ContainsKey(name.Identifier.ValueText) && IsUnqualified(name))
            .Any(name => model.GetSymbolInfo(name, cancellationToken).Symbol switch
            {
                INamedTypeSymbol type => !SymbolEqualityComparer.Default.Equals(type.ContainingNamespace, space),
                IMethodSymbol { MethodKind: MethodKind.Constructor } constructor => !SymbolEqualityComparer.Default.Equals(constructor.ContainingNamespace, space),
                _ => false,
            });
    }

    /// <summary>
    /// The names the fix wrote that only <paramref name="space"/> would bind (they do not bind yet), to be qualified;
    /// also collects the static classes whose extension methods the fix calls, for <c>using static</c>.
    /// </summary>
    private static List<SimpleNameSyntax> UnboundNames(CompilationUnitSyntax root, SemanticModel model, INamespaceSymbol space, List<string> staticImports, CancellationToken cancellationToken)
    {
        var extensionHosts = space.GetTypeMembers().Where(t => t.IsStatic && t.MightContainExtensionMethods).ToList();
        foreach (var member in root.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
        {
            if (model.GetSymbolInfo(member, cancellationToken) is { Symbol: null, CandidateSymbols.Length: 0 }
                && extensionHosts.FirstOrDefault(host => host.GetMembers(member.Name.Identifier.ValueText).OfType<IMethodSymbol>().Any(m => m.IsExtensionMethod)) is { } host)
            {
                staticImports.Add(host.ToDisplayString());
            }
        }

        var declared = TypeNames(space);
        return root.DescendantNodes()
            .OfType<SimpleNameSyntax>()
            .Where(name => declared.ContainsKey(name.Identifier.ValueText)
                && IsUnqualified(name)
                && !(name.Parent is MemberAccessExpressionSyntax access && access.Name == name)
                && model.GetSymbolInfo(name, cancellationToken) is { Symbol: null, CandidateSymbols.Length: 0 })
            .ToList();
    }

    private static INamespaceSymbol? Namespace(Compilation compilation, string dottedName)
    {
        INamespaceSymbol? current = compilation.GlobalNamespace;
        foreach (var part in dottedName.Split('.'))
        {
            current = current?.GetNamespaceMembers().FirstOrDefault(n => n.Name == part);
        }

        return current;
    }

    /// <summary>The simple names a namespace's types go by, attributes also without their suffix.</summary>
    private static Dictionary<string, INamedTypeSymbol> TypeNames(INamespaceSymbol space)
    {
        var names = new Dictionary<string, INamedTypeSymbol>(System.StringComparer.Ordinal);
        foreach (var type in space.GetTypeMembers())
        {
            names[type.Name] = type;
            if (type.Name.EndsWith("Attribute", System.StringComparison.Ordinal))
            {
                names[type.Name.Substring(0, type.Name.Length - "Attribute".Length)] = type;
            }
        }

        return names;
    }

    private static bool IsUnqualified(SimpleNameSyntax name)
        => name.Parent switch
        {
            QualifiedNameSyntax qualified => qualified.Left == name,
            MemberAccessExpressionSyntax member => member.Expression == name || member.Name != name,
            AliasQualifiedNameSyntax => false,
            _ => true,
        };

    // System first, then ordinal: the order dotnet_sort_system_directives_first produces.
    private static bool Precedes(string existing, string added)
    {
        var existingSystem = existing == "System" || existing.StartsWith("System.", System.StringComparison.Ordinal);
        var addedSystem = added == "System" || added.StartsWith("System.", System.StringComparison.Ordinal);
        return existingSystem != addedSystem ? existingSystem : string.CompareOrdinal(existing, added) < 0;
    }
}
