using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Nuzantara.Analyzers.Editing;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ2003: switches the collection to its concurrent counterpart when every use maps one to one
/// (<see cref="ConcurrentCollection"/>); otherwise, and as a second choice, guards the mutation with a lock.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnsafeSharedCollectionCodeFixProvider))]
[Shared]
public sealed class UnsafeSharedCollectionCodeFixProvider : GuardFixProvider
{
    private const string Rule = RuleIdentifiers.UnsafeSharedCollection;
    private const string ConcurrentKey = Rule + ".Concurrent";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Rule);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        var guards = GuardPlans(Rule, diagnostic, root, model, document, cancellationToken);
        if (ConcurrentCollection.Find(diagnostic, root, model, cancellationToken) is not { } collection)
        {
            return guards;
        }

        var plan = new FixPlan($"Use {collection.Concurrent} for '{collection.Field.Name}'", ConcurrentKey, collection.Apply, "System.Collections.Concurrent");
        return guards.Insert(0, plan);
    }
}
