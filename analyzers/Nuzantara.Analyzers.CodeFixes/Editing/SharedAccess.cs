using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Editing;

/// <summary>
/// One read or write of a field or property in a function body: <c>_total</c>, <c>this._cache[key] = v</c> (a write of
/// <c>_cache</c>), <c>_items.Add(x)</c> (a write of <c>_items</c>), <c>fact.IsPromoted = true</c> (a write of
/// <c>IsPromoted</c> on the object in the local <c>fact</c>).
/// </summary>
internal sealed class SharedAccess
{
    private SharedAccess(IOperation reference, ISymbol member, ISymbol? root, string path, bool isWrite)
    {
        Reference = reference;
        Member = member;
        Root = root;
        Path = path;
        IsWrite = isWrite;
    }

    /// <summary>The field or property reference.</summary>
    internal IOperation Reference { get; }

    internal ISymbol Member { get; }

    /// <summary>The local or parameter the object comes from; null for <c>this</c> and static members.</summary>
    internal ISymbol? Root { get; }

    /// <summary>Identifies the state: the member and the object it is read from, as written (<c>this.</c> dropped).</summary>
    internal string Path { get; }

    internal bool IsWrite { get; }

    internal SyntaxNode Syntax => Reference.Syntax;

    internal bool IsStatic => Member.IsStatic;

    /// <summary>Every field and property access in a body, nested functions excluded (they run at other times).</summary>
    internal static ImmutableArray<SharedAccess> Collect(IOperation? body)
    {
        if (body is null)
        {
            return ImmutableArray<SharedAccess>.Empty;
        }

        var accesses = ImmutableArray.CreateBuilder<SharedAccess>();
        foreach (var operation in OwnDescendants(body))
        {
            if (From(operation) is { } access)
            {
                accesses.Add(access);
            }
        }

        return accesses.ToImmutable();
    }

    /// <summary>The operations of a body, without descending into lambdas and local functions.</summary>
    internal static IEnumerable<IOperation> OwnDescendants(IOperation root)
    {
        var stack = new Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            foreach (var child in current.ChildOperations.Reverse())
            {
                if (child is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
                {
                    stack.Push(child);
                }
            }
        }
    }

    private static SharedAccess? From(IOperation operation)
    {
        var member = operation switch
        {
            IFieldReferenceOperation { Field: { IsConst: false } field } => field,
            IPropertyReferenceOperation { Property: { IsIndexer: false } property } => (ISymbol)property,
            _ => null,
        };
        if (member is null || PathOf(operation, out var root) is not { } path)
        {
            return null;
        }

        return new SharedAccess(operation, member, root, path, IsMutated(operation));
    }

    /// <summary>The access path of a member reference, or null when the object comes from a call or anything else unnamed.</summary>
    private static string? PathOf(IOperation reference, out ISymbol? root)
    {
        root = null;
        var instance = reference switch
        {
            IMemberReferenceOperation member => member.Instance,
            _ => null,
        };
        var parts = new List<string> { ((IMemberReferenceOperation)reference).Member.Name };
        while (instance is not null)
        {
            switch (instance)
            {
                case IInstanceReferenceOperation:
                    instance = null;
                    break;
                case ILocalReferenceOperation local:
                    root = local.Local;
                    parts.Add(local.Local.Name);
                    instance = null;
                    break;
                case IParameterReferenceOperation parameter:
                    root = parameter.Parameter;
                    parts.Add(parameter.Parameter.Name);
                    instance = null;
                    break;
                case IMemberReferenceOperation { Member: IFieldSymbol or IPropertySymbol { IsIndexer: false } } outer:
                    parts.Add(outer.Member.Name);
                    instance = outer.Instance;
                    break;
                case IConversionOperation conversion:
                    instance = conversion.Operand;
                    break;
                default:
                    return null;
            }
        }

        parts.Reverse();
        return string.Join(".", parts);
    }

    /// <summary>
    /// Whether the member's state changes here: it is assigned, incremented or passed by <c>ref</c>/<c>out</c>; or it
    /// holds a collection that is modified through it (an indexer set, <c>Add</c>, <c>Remove</c>…), as the rules see it.
    /// </summary>
    private static bool IsMutated(IOperation reference)
        => TypeFacts.Classify(reference).Kind != AccessKind.Read
            || CollectionUses.UseOf(reference).Use == CollectionUse.Mutation;

    /// <summary>The statement an access sits in, within <paramref name="function"/>; null in an expression body.</summary>
    internal static StatementSyntax? StatementOf(SyntaxNode node, SyntaxNode function)
    {
        for (var current = node; current is not null && current != function; current = current.Parent)
        {
            if (current is StatementSyntax statement)
            {
                return statement;
            }
        }

        return null;
    }
}
