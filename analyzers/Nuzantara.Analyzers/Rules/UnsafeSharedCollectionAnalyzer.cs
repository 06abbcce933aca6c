using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ2003: a <c>Dictionary</c>, <c>List</c>, <c>HashSet</c>, <c>Queue</c>… member of a shared type modified outside a
/// lock that excludes other writers (a read lock or a per-key lock does not), or read outside any lock while other code
/// modifies it under one.
/// </summary>
/// <remarks>
/// Quiet when the collection is only touched under a lock, only modified in confined code (constructor, initializer,
/// a hosted service's loop), for concurrent collections, and for types that are not shared. The diagnostic sits on the
/// call, indexer or loop that uses the collection.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnsafeSharedCollectionAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.UnsafeSharedCollection,
        RuleCategories.SharedState,
        DiagnosticSeverity.Warning,
        "Collection that is not thread-safe used concurrently",
        "'{0}' ({1}) is {2} in {3} {4}: {5}",
        "Dictionary, List, HashSet, Queue and the other System.Collections.Generic collections support one writer and no concurrent readers. Modified by two flows at once, or read while another modifies it, they lose entries, throw, or corrupt their internal state (a Dictionary can then loop forever). Use the concurrent collection, or guard every use with one lock.");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var collections = CollectionUses.Create(start.Compilation);
            SharedTypeScan.Register(start, (facts, candidates) => Analyze(facts, candidates, collections));
        });
    }

    private static void Analyze(TypeFacts facts, List<Candidate> candidates, CollectionUses collections)
    {
        var uses = facts.Accesses
            .Where(a => a.Kind == AccessKind.Read && collections.IsUnsafe(TypeFacts.TypeOf(a.Member)) && !facts.IsSafeMember(a.Member))
            .Select(a => (Access: a, Use: CollectionUses.UseOf(a.Reference)))
            .Where(u => u.Use.Use != CollectionUse.None && !facts.IsConfined(u.Access.Reference, u.Access.Member.IsStatic))
            .ToList();
        foreach (var group in uses.GroupBy(u => u.Access.Member, SymbolEqualityComparer.Default))
        {
            var member = (ISymbol)group.Key!;
            var guardedMutation = default((string Lock, string Where)?);
            var unguardedMutation = false;
            foreach (var (access, use) in group.Where(u => u.Use.Use == CollectionUse.Mutation))
            {
                var held = facts.HeldAt(access.Reference);
                var guards = held.Where(h => h.ExcludesWriters && h.Key is null).ToList();
                if (guards.Count > 0)
                {
                    guardedMutation ??= (TypeFacts.Name(guards[0]), facts.Where(access.Reference));
                    continue;
                }

                unguardedMutation = true;
                var keyed = held.Where(h => h.Key is not null).ToList();
                var readers = held.Where(h => !h.ExcludesWriters).ToList();
                var context = keyed.Count > 0 ? $"holding only the keyed lock '{TypeFacts.Name(keyed[0])}', which lets other keys in"
                    : readers.Count > 0 ? $"holding only a read lock of '{TypeFacts.Name(readers[0])}', which lets other readers in"
                    : "outside any lock";
                candidates.Add(new Candidate(Descriptor, facts.Type, member, use.Operation.Syntax.GetLocation(), null, null, member.Name, CollectionUses.Display(member), use.Verb, facts.Where(access.Reference), context));
            }

            if (unguardedMutation || guardedMutation is not { } writer)
            {
                continue;
            }

            // Every modification holds a lock: reads that hold none race with them.
            foreach (var (access, use) in group.Where(u => u.Use.Use == CollectionUse.Read))
            {
                if (facts.HeldAt(access.Reference).IsEmpty)
                {
                    var context = $"outside any lock, while {writer.Where} modifies it under '{writer.Lock}'";
                    candidates.Add(new Candidate(Descriptor, facts.Type, member, use.Operation.Syntax.GetLocation(), null, null, member.Name, CollectionUses.Display(member), use.Verb, facts.Where(access.Reference), context));
                }
            }
        }
    }
}
