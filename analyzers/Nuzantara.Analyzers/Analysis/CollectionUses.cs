using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>What code does to a collection through a reference to it.</summary>
internal enum CollectionUse
{
    /// <summary>Nothing the collection's thread safety depends on: <c>Count</c>, passing it on, comparing it.</summary>
    None,

    /// <summary>Reads its contents: lookups, the indexer, enumeration, LINQ.</summary>
    Read,

    /// <summary>Changes its contents: <c>Add</c>, <c>Remove</c>, <c>Clear</c>, an indexer set, <c>Enqueue</c>…</summary>
    Mutation,
}

/// <summary>The collection types that are not safe for concurrent use, resolved once per compilation, and how a reference to one is used.</summary>
internal sealed class CollectionUses
{
    private static readonly ImmutableHashSet<string> Mutators = ImmutableHashSet.Create(
        "Add", "AddRange", "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "RemoveWhere", "Clear", "Insert", "InsertRange",
        "TryAdd", "Enqueue", "EnqueueRange", "Dequeue", "TryDequeue", "EnqueueDequeue", "DequeueEnqueue", "Push", "PushRange", "Pop", "TryPop",
        "Sort", "Reverse", "AddFirst", "AddLast", "AddBefore", "AddAfter", "RemoveFirst", "RemoveLast",
        "UnionWith", "ExceptWith", "IntersectWith", "SymmetricExceptWith", "TrimExcess", "EnsureCapacity", "SetValue");

    private static readonly ImmutableHashSet<string> Unsafe = ImmutableHashSet.Create(
        "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.List`1", "System.Collections.Generic.HashSet`1",
        "System.Collections.Generic.Queue`1", "System.Collections.Generic.Stack`1", "System.Collections.Generic.SortedDictionary`2",
        "System.Collections.Generic.SortedList`2", "System.Collections.Generic.SortedSet`1", "System.Collections.Generic.LinkedList`1",
        "System.Collections.Generic.PriorityQueue`2", "System.Collections.ArrayList", "System.Collections.Hashtable");

    private readonly ImmutableHashSet<INamedTypeSymbol> _unsafe;

    private CollectionUses(Compilation compilation)
    {
        _unsafe = Unsafe.Select(compilation.GetTypeByMetadataName).OfType<INamedTypeSymbol>().ToImmutableHashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
    }

    internal static CollectionUses Create(Compilation compilation) => new(compilation);

    /// <summary>Whether a declared type is a collection that is not safe for concurrent use (<c>Dictionary</c>, <c>List</c>…).</summary>
    internal bool IsUnsafe(ITypeSymbol? type) => type is INamedTypeSymbol named && _unsafe.Contains(named.OriginalDefinition);

    /// <summary>The type of a member, for messages: <c>Dictionary&lt;string, decimal&gt;</c>.</summary>
    internal static string Display(ISymbol member)
        => (member switch { IFieldSymbol f => f.Type, IPropertySymbol p => p.Type, _ => null })?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? member.Name;

    /// <summary>How the collection a reference evaluates to is used, and the operation that uses it.</summary>
    internal static (CollectionUse Use, IOperation Operation, string Verb) UseOf(IOperation reference)
    {
        var value = reference;
        while (value.Parent is IConversionOperation conversion)
        {
            value = conversion;
        }

        switch (value.Parent)
        {
            case IInvocationOperation invocation when invocation.Instance == value:
                var name = invocation.TargetMethod.Name;
                return Mutators.Contains(name) ? (CollectionUse.Mutation, invocation, $"modified by '{name}'") : (CollectionUse.Read, invocation, $"read by '{name}'");
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when indexer.Instance == value:
                return TypeFacts.Classify(indexer).Kind is AccessKind.Write or AccessKind.ReadWrite or AccessKind.Reference
                    ? (CollectionUse.Mutation, indexer.Parent ?? indexer, "modified through its indexer")
                    : (CollectionUse.Read, indexer, "read through its indexer");
            case IPropertyReferenceOperation { Property.Name: "Keys" or "Values" } view when view.Instance == value:
                return (CollectionUse.Read, view, $"read through '{view.Property.Name}'");
            case IForEachLoopOperation loop when loop.Collection == value:
                return (CollectionUse.Read, loop.Collection, "enumerated");
            case IArgumentOperation { Parent: IInvocationOperation call } when call.TargetMethod.IsExtensionMethod && call.TargetMethod.ContainingType?.ToDisplayString() == "System.Linq.Enumerable":
                return (CollectionUse.Read, call, $"read by '{call.TargetMethod.Name}'");
            case IArgumentOperation { Parent: IInvocationOperation call } when call.TargetMethod.ContainingType?.ToDisplayString() == "System.Runtime.InteropServices.CollectionsMarshal":
                return (CollectionUse.Mutation, call, $"modified by 'CollectionsMarshal.{call.TargetMethod.Name}'");
            default:
                return (CollectionUse.None, reference, string.Empty);
        }
    }
}
