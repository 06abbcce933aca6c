using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ2004: a member accessed without the lock that guards it — declared with <c>[GuardedBy(nameof(_gate))]</c>, a
/// <c>[RequiresLock(nameof(_gate))]</c> method called without <c>_gate</c>, or a member written under one lock and read
/// under another that does not exclude that writer (a "read semaphore" beside a write semaphore).
/// </summary>
/// <remarks>
/// The attributes are matched by full name (<c>Nuzantara.Concurrency.GuardedByAttribute</c>,
/// <c>Nuzantara.Concurrency.RequiresLockAttribute</c>), so user code may declare its own. A read lock of the named lock
/// satisfies a read, only a write or exclusive lock satisfies a write. Constructors, initializers and <c>Dispose</c>
/// run before or after every other flow and may touch guarded members freely. The third case is reported only when
/// every read of the member holds some lock (the author meant to guard the reads) and none of the locks held at the
/// read is held at a write.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InconsistentLockingAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.InconsistentLocking,
        RuleCategories.SharedState,
        DiagnosticSeverity.Warning,
        "Member accessed without the lock that guards it",
        "'{0}' is {1} in {2} without holding '{3}': {4}",
        "A lock protects a member only if every access holds it. An access without the declared lock, a call to a method that requires a lock its caller does not hold, or a read under a different lock than the writer's races with the guarded code exactly as if there were no lock at all.");

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
        GuardedMembers(facts, candidates);
        RequiredLockCalls(facts, candidates);
        ReadsUnderAnotherLock(facts, candidates);
    }

    private static void GuardedMembers(TypeFacts facts, List<Candidate> candidates)
    {
        foreach (var access in facts.Accesses)
        {
            if (GuardOf(access.Member) is not { } gate || RunsAlone(access.Reference, facts) || access.Kind == AccessKind.Reference && IsInterlocked(access.Reference))
            {
                continue;
            }

            var writes = IsWrite(access);
            var held = facts.HeldAt(access.Reference);
            if (held.Any(h => SymbolEqualityComparer.Default.Equals(h.Symbol?.OriginalDefinition, gate) && (h.ExcludesWriters || !writes)))
            {
                continue;
            }

            var verb = writes ? (held.Any(h => SymbolEqualityComparer.Default.Equals(h.Symbol?.OriginalDefinition, gate)) ? "written under a read lock" : "written") : "read";
            candidates.Add(new Candidate(Descriptor, facts.Type, access.Member, access.Reference.Syntax.GetLocation(), null, $"'{access.Member.Name}' is declared [GuardedBy(nameof({gate.Name}))]", access.Member.Name, verb, facts.Where(access.Reference), gate.Name));
        }
    }

    private static void RequiredLockCalls(TypeFacts facts, List<Candidate> candidates)
    {
        foreach (var call in facts.Invocations)
        {
            var method = call.TargetMethod.OriginalDefinition;
            var required = GuardedAccess.RequiredLocks(method);
            if (required.IsEmpty || RunsAlone(call, facts))
            {
                continue;
            }

            var held = facts.HeldAt(call);
            foreach (var gate in required)
            {
                if (!held.Any(h => SymbolEqualityComparer.Default.Equals(h.Symbol?.OriginalDefinition, gate.OriginalDefinition) && h.ExcludesWriters))
                {
                    candidates.Add(new Candidate(Descriptor, facts.Type, null, call.Syntax.GetLocation(), null, $"'{method.Name}' is declared [RequiresLock(nameof({gate.Name}))]", method.Name, "called", facts.Where(call), gate.Name));
                }
            }
        }
    }

    /// <summary>A member written under some locks and read under others, none of which excludes those writers.</summary>
    private static void ReadsUnderAnotherLock(TypeFacts facts, List<Candidate> candidates)
    {
        var accesses = facts.Accesses.Where(a => a.Kind != AccessKind.Reference && GuardOf(a.Member) is null && !facts.IsConfined(a.Reference, a.Member.IsStatic));
        foreach (var group in accesses.GroupBy(a => a.Member, SymbolEqualityComparer.Default))
        {
            var writes = new List<(MemberAccess Access, ImmutableArray<HeldLock> Locks)>();
            var reads = new List<(MemberAccess Access, ImmutableArray<HeldLock> Locks)>();
            foreach (var access in group)
            {
                var locks = facts.HeldAt(access.Reference);
                (IsWrite(access) ? writes : reads).Add((access, locks));
            }

            // The author guards the reads (every one holds a lock) and the writes (the one compared holds one).
            if (reads.Count == 0 || reads.Any(r => r.Locks.IsEmpty))
            {
                continue;
            }

            var guardedWrite = writes.FirstOrDefault(w => w.Locks.Any(l => l.ExcludesWriters));
            if (guardedWrite.Access is null)
            {
                continue;
            }

            // "The caller's lock" (a *Locked method) could be any lock: it neither proves nor disproves a mismatch.
            if (guardedWrite.Locks.Any(IsUnnamed))
            {
                continue;
            }

            var writerLocks = guardedWrite.Locks.Where(l => l.ExcludesWriters).Select(TypeFacts.Name).ToImmutableHashSet();
            foreach (var (read, locks) in reads)
            {
                if (locks.Any(l => IsUnnamed(l) || writerLocks.Contains(TypeFacts.Name(l))))
                {
                    continue;
                }

                var writer = writerLocks.First();
                var reason = $"'{read.Member.Name}' is written under '{writer}' in {facts.Where(guardedWrite.Access.Reference)}, and '{TypeFacts.Name(locks[0])}' held here does not exclude that writer";
                candidates.Add(new Candidate(Descriptor, facts.Type, read.Member, read.Reference.Syntax.GetLocation(), new[] { guardedWrite.Access.Reference.Syntax.GetLocation() }, reason, read.Member.Name, "read", facts.Where(read.Reference), writer));
            }
        }
    }

    private static bool IsUnnamed(HeldLock held) => held.Symbol is INamedTypeSymbol;

    /// <summary>A write of the member: an assignment, an update, or a modification of the collection it holds.</summary>
    private static bool IsWrite(MemberAccess access)
        => access.Kind is AccessKind.Write or AccessKind.ReadWrite
            || (access.Kind == AccessKind.Read && CollectionUses.UseOf(access.Reference).Use == CollectionUse.Mutation);

    private static bool IsInterlocked(IOperation reference)
        => reference.Parent is IArgumentOperation { Parent: IInvocationOperation call }
            && call.TargetMethod.ContainingType?.ToDisplayString() is "System.Threading.Interlocked" or "System.Threading.Volatile";

    /// <summary>Constructors, initializers, finalizers and <c>Dispose</c> run before or after every other flow.</summary>
    private static bool RunsAlone(IOperation operation, TypeFacts facts)
        => TypeFacts.FlowRoot(operation).Parent is null
            && facts.OwnerOf(operation) switch
            {
                IMethodSymbol method => method.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.Destructor
                    || method.IsInitOnly
                    || (method.Name is "Dispose" or "DisposeAsync" && method.Parameters.Length <= 1),
                IFieldSymbol or IPropertySymbol => true,
                _ => false,
            };

    /// <summary>The lock member a <c>[GuardedBy(nameof(_gate))]</c> member names.</summary>
    internal static ISymbol? GuardOf(ISymbol member)
    {
        foreach (var attribute in member.GetAttributes())
        {
            if (GuardedAccess.IsNuzantaraAttribute(attribute, "GuardedByAttribute")
                && attribute.ConstructorArguments.FirstOrDefault().Value is string name
                && GuardedAccess.FindMember(member.ContainingType, name) is { } gate)
            {
                return gate.OriginalDefinition;
            }
        }

        return null;
    }
}
