using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>A write of a member whose value depends on an earlier read of the same member: a read-modify-write.</summary>
internal sealed class MemberUpdate
{
    internal MemberUpdate(MemberAccess write, IOperation read, IOperation? await)
    {
        Write = write;
        Read = read;
        Await = await;
    }

    internal MemberAccess Write { get; }

    /// <summary>The read the written value depends on (for <c>_x++</c> and <c>_x += n</c>, the target itself).</summary>
    internal IOperation Read { get; }

    /// <summary>The first await between the read and the write; null when none splits them.</summary>
    internal IOperation? Await { get; }
}

/// <summary>
/// Finds read-modify-writes of members: <c>_x++</c>, <c>_x += n</c>, <c>_x = f(_x)</c>, and a value carried through
/// locals (<c>var n = _count; … _count = n + 1;</c>, two levels of locals deep). Writes whose value does not depend
/// on the member (a whole new reference, a flag) are not updates.
/// </summary>
internal static class Updates
{
    private const int LocalDepth = 2;

    /// <summary>The update a write makes, or null when the written value does not depend on a read of the member.</summary>
    internal static MemberUpdate? Of(MemberAccess write, TypeFacts facts)
    {
        switch (write.Writer)
        {
            case IIncrementOrDecrementOperation:
                return new MemberUpdate(write, write.Reference, null);
            case ICompoundAssignmentOperation compound:
                return new MemberUpdate(write, write.Reference, facts.AwaitBetween(write.Reference, compound));
            case ISimpleAssignmentOperation assignment when write.Kind == AccessKind.Write:
                var reads = ReadsFeeding(assignment.Value, write.Member, assignment, LocalDepth).ToList();
                if (reads.Count == 0)
                {
                    return null;
                }

                foreach (var read in reads)
                {
                    if (facts.AwaitBetween(read, assignment) is { } awaited)
                    {
                        return new MemberUpdate(write, read, awaited);
                    }
                }

                return new MemberUpdate(write, reads[reads.Count - 1], null);
            default:
                return null;
        }
    }

    /// <summary>Whether an operation reads the member on <c>this</c> (or statically): a field or auto-property reference that is not a write target.</summary>
    internal static bool IsReadOf(IOperation operation, ISymbol member)
    {
        var (symbol, instance) = operation switch
        {
            IFieldReferenceOperation field => ((ISymbol)field.Field, field.Instance),
            IPropertyReferenceOperation property => (property.Property, property.Instance),
            _ => (null, null),
        };
        return symbol is not null
            && SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, member)
            && (instance is null || instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            && TypeFacts.Classify(operation).Kind == AccessKind.Read;
    }

    /// <summary>Reads of the member inside a value, directly or through the locals the value uses (defined before <paramref name="before"/>).</summary>
    private static IEnumerable<IOperation> ReadsFeeding(IOperation value, ISymbol member, IOperation before, int depth)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            if (IsReadOf(operation, member))
            {
                yield return operation;
            }
            else if (depth > 0 && operation is ILocalReferenceOperation local && TypeFacts.FlowRoot(operation) is var root)
            {
                foreach (var definition in Definitions(root, local.Local, before))
                {
                    foreach (var read in ReadsFeeding(definition, member, definition, depth - 1))
                    {
                        yield return read;
                    }
                }
            }
        }
    }

    /// <summary>The values assigned to a local before a point: its initializer and plain assignments.</summary>
    private static IEnumerable<IOperation> Definitions(IOperation root, ILocalSymbol local, IOperation before)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation.Syntax.SpanStart >= before.Syntax.SpanStart)
            {
                continue;
            }

            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) && declarator.Initializer is { } initializer:
                    yield return initializer.Value;
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    yield return assignment.Value;
                    break;
            }
        }
    }
}
