using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Nuzantara.Analyzers.Editing;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ2002: guards the read, the <c>await</c> and the write in one lock, so no other flow's update lands in between;
/// keyed when the state belongs to one key parameter.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LostUpdateAcrossAwaitCodeFixProvider))]
[Shared]
public sealed class LostUpdateAcrossAwaitCodeFixProvider : GuardFixProvider
{
    private const string Rule = RuleIdentifiers.LostUpdateAcrossAwait;

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Rule);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
        => GuardPlans(Rule, diagnostic, root, model, document, cancellationToken);
}
