using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ2002: a member of a shared type is read, an <c>await</c> yields, and the member is written from the value read:
/// <c>var n = _count; await X(); _count = n + 1;</c>, <c>_total += await GetAsync();</c>,
/// <c>_cache = Merge(_cache, await LoadAsync());</c>. Another caller can run while the first one waits, and one of
/// the two updates is lost.
/// </summary>
/// <remarks>
/// Quiet when one lock region (that excludes writers) covers the read and the write, in confined code, and for types
/// that are not shared. The diagnostic sits on the write; its additional locations are the read and the await, in that
/// order: the span a guard must cover.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LostUpdateAcrossAwaitAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.LostUpdateAcrossAwait,
        RuleCategories.SharedState,
        DiagnosticSeverity.Warning,
        "Lost update across await",
        "'{0}' is read, then '{1}' yields, then '{0}' is written from the old value in {2}: a concurrent caller's update in between is lost; {3}",
        "While a method awaits, other callers of the same shared instance run. A member read before the await and written after it from the value read overwrites whatever they wrote in between. Hold one lock across the read, the await and the write, or restructure so that the update happens atomically after the await.");

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
            if (Updates.Of(write, facts) is not { Await: { } awaited } update
                || facts.OneRegionCovers(update.Read, write.Writer!))
            {
                continue;
            }

            var locations = new[] { update.Read.Syntax.GetLocation(), awaited.Syntax.GetLocation() };
            candidates.Add(new Candidate(Descriptor, facts.Type, write.Member, write.Writer!.Syntax.GetLocation(), locations, null, write.Member.Name, TypeFacts.Quote(awaited), facts.Where(write.Reference)));
        }
    }
}
