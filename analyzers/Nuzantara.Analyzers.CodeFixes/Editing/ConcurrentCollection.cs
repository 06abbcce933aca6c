using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Editing;

/// <summary>
/// Switches a private <c>Dictionary</c>, <c>Queue</c> or <c>Stack</c> field to its concurrent counterpart when every
/// use of the field maps one to one: indexer reads and plain writes, <c>TryGetValue</c>, <c>ContainsKey</c>,
/// <c>TryAdd</c>, <c>Remove(key)</c> → <c>TryRemove(key, out _)</c>, <c>Count</c>, <c>Keys</c>/<c>Values</c>,
/// enumeration; <c>Enqueue</c>/<c>TryDequeue</c>/<c>TryPeek</c>; <c>Push</c>/<c>TryPop</c>/<c>TryPeek</c>. Any other
/// use (<c>Add</c>, which throws on a duplicate; <c>Dequeue</c>; <c>_counts[k]++</c>, a read-modify-write that stays
/// racy; passing the field as its concrete type) means no switch: the guard is the fix then.
/// </summary>
internal sealed class ConcurrentCollection
{
    private static readonly ImmutableDictionary<string, (string Concurrent, ImmutableHashSet<string> Members)> Mappings =
        new Dictionary<string, (string, ImmutableHashSet<string>)>
        {
            ["System.Collections.Generic.Dictionary<TKey, TValue>"] = ("ConcurrentDictionary", ImmutableHashSet.Create("TryGetValue", "ContainsKey", "TryAdd", "Remove", "Count", "Keys", "Values", "Clear", "GetEnumerator", "ToArray")),
            ["System.Collections.Generic.Queue<T>"] = ("ConcurrentQueue", ImmutableHashSet.Create("Enqueue", "TryDequeue", "TryPeek", "Count", "Clear", "GetEnumerator", "ToArray")),
            ["System.Collections.Generic.Stack<T>"] = ("ConcurrentStack", ImmutableHashSet.Create("Push", "TryPop", "TryPeek", "Count", "Clear", "GetEnumerator", "ToArray")),
        }.ToImmutableDictionary();

    private ConcurrentCollection(IFieldSymbol field, string concurrent, VariableDeclarationSyntax declaration, ImmutableArray<ExpressionSyntax> references)
    {
        Field = field;
        Concurrent = concurrent;
        Declaration = declaration;
        References = references;
    }

    internal IFieldSymbol Field { get; }

    /// <summary>The concurrent type's simple name: <c>ConcurrentDictionary</c>.</summary>
    internal string Concurrent { get; }

    internal VariableDeclarationSyntax Declaration { get; }

    internal ImmutableArray<ExpressionSyntax> References { get; }

    /// <summary>The switch for the collection the diagnostic is about; null when any use of it does not map one to one.</summary>
    internal static ConcurrentCollection? Find(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
    {
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var field = node.DescendantNodesAndSelf()
            .Select(n => model.GetSymbolInfo(n, cancellationToken).Symbol)
            .OfType<IFieldSymbol>()
            .FirstOrDefault(f => Mappings.ContainsKey(f.Type.OriginalDefinition.ToDisplayString()));
        if (field is not { DeclaredAccessibility: Accessibility.Private }
            || !Mappings.TryGetValue(field.Type.OriginalDefinition.ToDisplayString(), out var mapping)
            || model.Compilation.GetTypeByMetadataName("System.Collections.Concurrent." + mapping.Concurrent + (field.Type is INamedTypeSymbol { Arity: 2 } ? "`2" : "`1")) is not { } concurrentType
            || field.ContainingType.DeclaringSyntaxReferences.Length != 1
            || field.ContainingType.DeclaringSyntaxReferences[0].SyntaxTree != model.SyntaxTree
            || field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Type: GenericNameSyntax } declaration } declarator
            || (declarator.Initializer is { } initializer && !IsPlainCreation(initializer.Value, model, cancellationToken)))
        {
            return null;
        }

        var constructed = concurrentType.Construct(((INamedTypeSymbol)field.Type).TypeArguments.ToArray());
        var references = CompareExchange.References(field, model, cancellationToken).ToImmutableArray();
        return references.All(r => MapsOneToOne(r, model, mapping.Members, constructed, cancellationToken))
            ? new ConcurrentCollection(field, mapping.Concurrent, declaration, references)
            : null;
    }

    /// <summary><c>new()</c> or <c>new Dictionary&lt;K, V&gt;()</c>, maybe with a comparer for a dictionary, and no collection initializer.</summary>
    private static bool IsPlainCreation(ExpressionSyntax value, SemanticModel model, CancellationToken cancellationToken)
    {
        if (value is not BaseObjectCreationExpressionSyntax { Initializer: null } creation)
        {
            return false;
        }

        var arguments = creation.ArgumentList?.Arguments ?? default;
        return arguments.Count == 0
            || (arguments.Count == 1
                && model.GetTypeInfo(arguments[0].Expression, cancellationToken).Type is { } argument
                && argument.AllInterfaces.Concat(new[] { argument }).OfType<INamedTypeSymbol>().Any(i => i.OriginalDefinition.ToDisplayString() == "System.Collections.Generic.IEqualityComparer<T>"));
    }

    private static bool MapsOneToOne(ExpressionSyntax reference, SemanticModel model, ImmutableHashSet<string> members, INamedTypeSymbol concurrent, CancellationToken cancellationToken)
    {
        var operation = model.GetOperation(reference, cancellationToken);
        if (operation is null)
        {
            return false;
        }

        var used = operation;
        while (used.Parent is IConversionOperation conversion)
        {
            used = conversion;
        }

        switch (used.Parent)
        {
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when indexer.Instance == used:
                // Reads and plain writes of an entry; `_counts[k]++` and `+=` stay a race on the concurrent type too.
                return indexer.Parent is not (ICompoundAssignmentOperation or IIncrementOrDecrementOperation or IArgumentOperation { Parameter.RefKind: not RefKind.None });
            case IPropertyReferenceOperation property when property.Instance == used:
                return members.Contains(property.Property.Name);
            case IInvocationOperation invocation when invocation.Instance == used:
                var name = invocation.TargetMethod.Name;
                return members.Contains(name) && (name != "Remove" || invocation.Arguments.Length <= 2);
            case IArgumentOperation { Parameter.Type: INamedTypeSymbol { TypeKind: TypeKind.Interface } target } argument when argument.Parameter.RefKind == RefKind.None:
                // LINQ and other methods over an interface the concurrent type implements too.
                return concurrent.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, target));
            case IForEachLoopOperation loop when loop.Collection == used:
                return true;
            case ISimpleAssignmentOperation assignment when assignment.Target == used:
                return assignment.Value.Syntax is ExpressionSyntax value && IsPlainCreation(value, model, cancellationToken);
            case INameOfOperation:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Records the switch once per pass: the field's type, its creations, and the renamed calls.</summary>
    internal void Apply(DocumentEditor editor)
    {
        if (!EditorOnce.First(editor, "concurrent:" + Field.ToDisplayString()))
        {
            return;
        }

        var type = (GenericNameSyntax)Declaration.Type;
        editor.ReplaceNode(type, type.WithIdentifier(Identifier(Concurrent).WithTriviaFrom(type.Identifier)));
        foreach (var creation in Declaration.DescendantNodes().OfType<ObjectCreationExpressionSyntax>())
        {
            Rename(editor, creation);
        }

        foreach (var reference in References)
        {
            if (reference.Parent is AssignmentExpressionSyntax { Right: ObjectCreationExpressionSyntax created } assignment && assignment.Left == reference)
            {
                Rename(editor, created);
            }
            else if (reference.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Remove", Parent: InvocationExpressionSyntax remove } access && access.Expression == reference)
            {
                // Remove(key) → TryRemove(key, out _); Remove(key, out value) → TryRemove(key, out value).
                var arguments = remove.ArgumentList.Arguments;
                if (arguments.Count == 1)
                {
                    arguments = arguments.Add(Argument(IdentifierName("_")).WithRefKindKeyword(Token(SyntaxKind.OutKeyword)));
                }

                editor.ReplaceNode(remove, remove
                    .WithExpression(access.WithName(IdentifierName("TryRemove").WithTriviaFrom(access.Name)))
                    .WithArgumentList(remove.ArgumentList.WithArguments(arguments)));
            }
        }
    }

    private static void Rename(DocumentEditor editor, ObjectCreationExpressionSyntax creation)
    {
        if (creation.Type is GenericNameSyntax generic)
        {
            editor.ReplaceNode(generic, generic.WithIdentifier(Identifier("Concurrent" + generic.Identifier.ValueText).WithTriviaFrom(generic.Identifier)));
        }
    }
}
