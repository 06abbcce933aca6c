using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3002: a condition reads shared state and the code it guards writes the same state, with no lock around both:
/// <c>if (!_started) { …; _started = true; }</c>, <c>if (_settings is null) { _settings = await LoadAsync(); }</c>,
/// <c>if (f.Count &gt;= 3 &amp;&amp; !f.IsPromoted) { f.IsPromoted = true; await … }</c>, <c>_client ??= Create();</c>.
/// Two callers can both pass the check before either acts.
/// </summary>
/// <remarks>
/// Shared state is a field or auto-property of a shared type (ARCHITECTURE §3), a static one, or a member of an object
/// reached through one (<c>var f = _facts[id]</c>). The guarded code is the branch of the <c>if</c>, or what follows a
/// guard clause (<c>if (_started) return;</c>). Quiet when one lock region covers the check and the write (a per-key
/// lock counts for state reached by key), for correct double-checked locking (the write sits under a lock that also
/// covers a re-check), for <c>Interlocked.CompareExchange</c>, in confined code, and for compound updates (NZ2001/NZ2002
/// report those). The diagnostic sits on the write; its additional locations are the check and, when one splits them,
/// the await.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CheckThenActAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.CheckThenAct,
        RuleCategories.CheckThenAct,
        DiagnosticSeverity.Warning,
        "Shared state checked, then set, without a lock",
        "'{0}' is checked in {1} and then set{2} with no lock around both, so two callers can both pass the check: {3}",
        "A check of shared state followed by a write of it is two steps: two flows can both see the old value and both act (start twice, load twice, promote twice). With an await in between the window is as long as the awaited operation. Hold one lock across the check and the write, re-check under the lock, or use Interlocked.CompareExchange for a flag.");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start => SharedTypeScan.Register(start, Analyze));
    }

    /// <summary>A piece of state: a member on <c>this</c> (or static; <see cref="Local"/> null), or a member of the object a local holds.</summary>
    private readonly struct State
    {
        internal State(ISymbol member, ILocalSymbol? local, ISymbol origin)
        {
            Member = member;
            Local = local;
            Origin = origin;
        }

        internal ISymbol Member { get; }

        internal ILocalSymbol? Local { get; }

        /// <summary>The member of the analysed type through which the state is shared.</summary>
        internal ISymbol Origin { get; }

        internal bool Matches(State other)
            => SymbolEqualityComparer.Default.Equals(Member, other.Member) && SymbolEqualityComparer.Default.Equals(Local, other.Local);
    }

    private static void Analyze(TypeFacts facts, List<Candidate> candidates)
    {
        var reported = new HashSet<IOperation>();
        foreach (var conditional in facts.Conditionals)
        {
            if (conditional.Type is not null || conditional.IsRef)
            {
                continue;
            }

            var checks = StateReads(conditional.Condition, facts).ToList();
            if (checks.Count == 0)
            {
                continue;
            }

            var checkedMembers = new HashSet<ISymbol>(checks.Select(c => c.State.Member), SymbolEqualityComparer.Default);
            foreach (var region in TypeFacts.GuardedBy(conditional))
            {
                foreach (var (write, state) in StateWrites(region, checkedMembers, facts))
                {
                    if (TypeFacts.FlowRoot(write) != TypeFacts.FlowRoot(conditional)
                        || facts.IsConfined(write, state.Local is null && state.Member.IsStatic)
                        || checks.FirstOrDefault(c => c.State.Matches(state)) is not { Read: { } read }
                        || IsGuarded(read, write, state, facts)
                        || !reported.Add(write))
                    {
                        continue;
                    }

                    candidates.Add(Create(facts, state, read, write));
                }
            }
        }

        // x ??= value: the check and the write in one expression.
        foreach (var coalesce in facts.CoalesceAssignments)
        {
            if (facts.AccessAt(coalesce.Target) is not { } access
                || facts.IsSafeMember(access.Member)
                || facts.IsConfined(coalesce, access.Member.IsStatic)
                || !facts.WriteGuardsAt(coalesce).IsEmpty)
            {
                continue;
            }

            candidates.Add(Create(facts, new State(access.Member, null, access.Member), coalesce.Target, coalesce));
        }
    }

    private static Candidate Create(TypeFacts facts, State state, IOperation read, IOperation write)
    {
        var awaited = facts.AwaitBetween(read, write);
        var after = awaited is null ? string.Empty : $" after '{TypeFacts.Quote(awaited)}'";
        var locations = awaited is null
            ? new[] { read.Syntax.GetLocation() }
            : new[] { read.Syntax.GetLocation(), awaited.Syntax.GetLocation() };
        var name = state.Local is null ? state.Member.Name : state.Local.Name + "." + state.Member.Name;
        return new Candidate(Descriptor, facts.Type, state.Origin, write.Syntax.GetLocation(), locations, null, name, facts.Where(write), after);
    }

    /// <summary>
    /// Whether a lock covers the write together with the check, or together with a re-check of the same state between
    /// the lock and the write (double-checked locking).
    /// </summary>
    private static bool IsGuarded(IOperation read, IOperation write, State state, TypeFacts facts)
    {
        if (Covers(read, write, state, facts))
        {
            return true;
        }

        for (var parent = write.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IConditionalOperation { Type: null } recheck
                && StateReads(recheck.Condition, facts).FirstOrDefault(c => c.State.Matches(state)) is { Read: { } reread }
                && reread != read
                && Covers(reread, write, state, facts))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One region covers both; a per-key lock counts only for state reached through a local (by key), not for a member of the type.</summary>
    private static bool Covers(IOperation read, IOperation write, State state, TypeFacts facts)
        => facts.OneRegionCovers(read, write, perKey: state.Local is not null);

    private static IEnumerable<(IOperation Read, State State)> StateReads(IOperation condition, TypeFacts facts)
    {
        foreach (var operation in condition.DescendantsAndSelf())
        {
            if (facts.AccessAt(operation) is { Kind: AccessKind.Read } access && operation == access.Reference)
            {
                yield return (operation, new State(access.Member, null, access.Member));
            }
            else if (LocalMember(operation, facts) is { } state)
            {
                yield return (operation, state);
            }
        }
    }

    /// <summary>Plain writes (<c>x = value</c>) of the checked members in a region; compound updates belong to NZ2001/NZ2002.</summary>
    private static IEnumerable<(IOperation Write, State State)> StateWrites(IOperation region, HashSet<ISymbol> checkedMembers, TypeFacts facts)
    {
        foreach (var assignment in facts.AssignmentsIn(region))
        {
            var target = assignment.Target switch
            {
                IFieldReferenceOperation field => field.Field.OriginalDefinition,
                IPropertyReferenceOperation property => (ISymbol)property.Property.OriginalDefinition,
                _ => null,
            };
            if (target is null || !checkedMembers.Contains(target))
            {
                continue;
            }

            if (facts.AccessAt(assignment.Target) is { Kind: AccessKind.Write } access && !facts.IsSafeMember(access.Member))
            {
                yield return (assignment, new State(access.Member, null, access.Member));
            }
            else if (LocalMember(assignment.Target, facts) is { } state)
            {
                yield return (assignment, state);
            }
        }
    }

    /// <summary><c>f.IsPromoted</c> where the local <c>f</c> holds an object reached through a member of the type.</summary>
    private static State? LocalMember(IOperation operation, TypeFacts facts)
    {
        var (member, instance) = operation switch
        {
            IFieldReferenceOperation field => ((ISymbol)field.Field, field.Instance),
            IPropertyReferenceOperation { Property.IsIndexer: false } property => (property.Property, property.Instance),
            _ => (null, null),
        };

        // The origin is indexed once per flow and is null for most locals: ask it before the property's shape.
        return member is not null
            && instance is ILocalReferenceOperation local
            && facts.SharedOrigin(local.Local, operation) is { } origin
            && (member is IFieldSymbol || TypeFacts.IsAutoProperty((IPropertySymbol)member))
            ? new State(member.OriginalDefinition, local.Local, origin)
            : null;
    }
}
