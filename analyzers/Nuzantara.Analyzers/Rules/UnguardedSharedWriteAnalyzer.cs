using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ2001: a member of a shared type updated (<c>_hits++</c>, <c>_total += n</c>, <c>_items = _items.Add(x)</c>)
/// outside any lock, from code that can run concurrently; and a plain write outside the lock of a member that other
/// code updates under a lock.
/// </summary>
/// <remarks>
/// Quiet for confined code (constructors, initializers, <c>Dispose</c>, a hosted service's loop and the private
/// helpers only they call), writes under a lock that excludes writers (not a read lock, not a per-key lock),
/// <c>Interlocked</c>/<c>Volatile</c> (a <c>ref</c> argument is not a write here), thread-safe member types, plain
/// writes of a whole value that nothing updates under a lock, and every type that is not shared (ARCHITECTURE §3).
/// An update whose read and write an <c>await</c> splits is NZ2002's. The diagnostic sits on the write; its
/// additional location is the read the written value depends on.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnguardedSharedWriteAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.UnguardedSharedWrite,
        RuleCategories.SharedState,
        DiagnosticSeverity.Warning,
        "Shared member updated outside a lock",
        "'{0}' is {1} in {2} outside any lock, so concurrent callers can lose updates: {3}",
        "A read-modify-write of a field (++, +=, x = f(x)) is several steps; when two flows run it at once, both read the same old value and one update is lost. The member belongs to a type that several flows use at once, so guard the update with the type's lock, or use Interlocked.");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start => SharedTypeScan.Register(start, Analyze));
    }

    private static void Analyze(TypeFacts facts, List<Candidate> candidates)
    {
        foreach (var write in facts.ConcurrentWrites())
        {
            if (!facts.WriteGuardsAt(write.Reference).IsEmpty)
            {
                continue;
            }

            var update = Updates.Of(write, facts);
            if (update is { Await: not null })
            {
                continue;
            }

            var elsewhere = facts.AlsoWrittenUnderLock(write.Member, write.Reference);
            if (update is null && elsewhere is null)
            {
                // A whole new value that no locked code updates: not a lost update (ARCHITECTURE §3).
                continue;
            }

            var verb = update is null ? "written" : Verb(write.Writer!);
            var additional = update is null || update.Read == write.Reference ? null : new[] { update.Read.Syntax.GetLocation() };
            candidates.Add(new Candidate(Descriptor, facts.Type, write.Member, write.Writer!.Syntax.GetLocation(), additional, elsewhere, write.Member.Name, verb, facts.Where(write.Reference)));
        }
    }

    private static string Verb(IOperation writer) => writer switch
    {
        IIncrementOrDecrementOperation { Kind: OperationKind.Increment } => "incremented",
        IIncrementOrDecrementOperation => "decremented",
        ICompoundAssignmentOperation compound => $"updated with '{CompoundOperator(compound.OperatorKind)}='",
        _ => "read and written back",
    };

    private static string CompoundOperator(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => "+",
        BinaryOperatorKind.Subtract => "-",
        BinaryOperatorKind.Multiply => "*",
        BinaryOperatorKind.Divide => "/",
        BinaryOperatorKind.Remainder => "%",
        BinaryOperatorKind.And => "&",
        BinaryOperatorKind.Or => "|",
        BinaryOperatorKind.ExclusiveOr => "^",
        BinaryOperatorKind.LeftShift => "<<",
        BinaryOperatorKind.RightShift => ">>",
        _ => string.Empty,
    };
}
