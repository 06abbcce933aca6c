using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3001: a dictionary checked with <c>ContainsKey</c>/<c>TryGetValue</c> and then written (<c>Add</c>, an indexer
/// set) for the same key, in the code the check guards, with no lock around both: on a <c>ConcurrentDictionary</c>
/// member always (the type says other flows use it), on a <c>Dictionary</c> member of a shared type.
/// </summary>
/// <remarks>
/// Quiet for single atomic calls (<c>TryAdd</c>, <c>GetOrAdd</c>, <c>AddOrUpdate</c>), when one lock region covers
/// the check and the write (a per-key lock counts when its key is the dictionary key), in confined code, and for
/// dictionaries in locals. The diagnostic sits on the check; its additional location is the write.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DictionaryCheckThenActAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.DictionaryCheckThenAct,
        RuleCategories.CheckThenAct,
        DiagnosticSeverity.Warning,
        "Dictionary checked, then written for the same key",
        "'{0}' is checked with '{1}' and then written with {2} for the same key in {3}, with no lock around both: another flow can add or change the entry in between; {4}",
        "A lookup followed by an add or a set is two operations: between them another flow can add the same key (Add then throws, or one value silently replaces the other) or change its value (an update is lost). On a ConcurrentDictionary use one atomic call: TryAdd, GetOrAdd or AddOrUpdate. On a Dictionary, hold one lock across both.");

    private static readonly string[] DictionaryTypes =
    [
        "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.SortedDictionary`2", "System.Collections.Generic.SortedList`2",
        "System.Collections.Generic.IDictionary`2", "System.Collections.Concurrent.ConcurrentDictionary`2",
    ];

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var dictionaries = DictionaryTypes.Select(start.Compilation.GetTypeByMetadataName).OfType<INamedTypeSymbol>().ToImmutableHashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
            var concurrent = start.Compilation.GetTypeByMetadataName("System.Collections.Concurrent.ConcurrentDictionary`2");
            if (dictionaries.IsEmpty)
            {
                return;
            }

            SharedTypeScan.Register(start, (facts, candidates) => Analyze(facts, candidates, dictionaries, concurrent));
        });
    }

    private static void Analyze(TypeFacts facts, List<Candidate> candidates, ImmutableHashSet<INamedTypeSymbol> dictionaries, INamedTypeSymbol? concurrent)
    {
        foreach (var check in facts.Invocations)
        {
            if (check.TargetMethod.Name is not ("ContainsKey" or "TryGetValue")
                || check.Arguments.Length == 0
                || facts.AccessAt(check.Instance) is not { Kind: AccessKind.Read } dictionary
                || TypeFacts.TypeOf(dictionary.Member) is not INamedTypeSymbol type
                || !dictionaries.Contains(type.OriginalDefinition)
                || facts.IsConfined(check, dictionary.Member.IsStatic)
                || EnclosingCondition(check) is not { } conditional)
            {
                continue;
            }

            var key = check.Arguments[0].Value;
            var act = TypeFacts.GuardedBy(conditional)
                .SelectMany(region => Acts(region, dictionary.Member, key, facts))
                .FirstOrDefault(a => TypeFacts.FlowRoot(a.Act) == TypeFacts.FlowRoot(check) && !facts.OneRegionCovers(check, a.Act, key: key));
            if (act.Act is null)
            {
                continue;
            }

            var reason = SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, concurrent)
                ? $"'{dictionary.Member.Name}' is a ConcurrentDictionary, so other flows use it at the same time"
                : null;
            candidates.Add(new Candidate(Descriptor, facts.Type, dictionary.Member, check.Syntax.GetLocation(), new[] { act.Act.Syntax.GetLocation() }, reason, dictionary.Member.Name, check.TargetMethod.Name, act.Description, facts.Where(check)));
        }
    }

    /// <summary>The <c>if</c> whose condition holds the check, through <c>!</c>, <c>&amp;&amp;</c>, <c>||</c> and conversions.</summary>
    internal static IConditionalOperation? EnclosingCondition(IOperation check)
    {
        var child = check;
        for (var parent = check.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IConditionalOperation { Type: null } conditional when conditional.Condition == child:
                    return conditional;
                case IUnaryOperation or IBinaryOperation or IConversionOperation or IIsPatternOperation:
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>Writes of the same dictionary for the same key: <c>Add(key, …)</c> and indexer sets.</summary>
    private static IEnumerable<(IOperation Act, string Description)> Acts(IOperation region, ISymbol dictionary, IOperation key, TypeFacts facts)
    {
        foreach (var operation in region.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IInvocationOperation { TargetMethod.Name: "Add", Arguments.Length: 2 } add
                    when facts.AccessAt(add.Instance)?.Member is { } target && SymbolEqualityComparer.Default.Equals(target, dictionary) && TypeFacts.SameValue(add.Arguments[0].Value, key):
                    yield return (add, "'Add'");
                    break;
                case IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer
                    when TypeFacts.Classify(indexer).Kind is AccessKind.Write or AccessKind.ReadWrite
                        && facts.AccessAt(indexer.Instance)?.Member is { } target && SymbolEqualityComparer.Default.Equals(target, dictionary) && TypeFacts.SameValue(indexer.Arguments[0].Value, key):
                    yield return (indexer.Parent!, "the indexer");
                    break;
            }
        }
    }
}
