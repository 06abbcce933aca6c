using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Nuzantara.Analyzers.Editing;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3002: guards the check and the act in one lock (keyed when the state belongs to one key parameter); for a flag
/// set first thing in the body, also offers one atomic <c>Interlocked.CompareExchange</c> (<see cref="CompareExchange"/>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CheckThenActCodeFixProvider))]
[Shared]
public sealed class CheckThenActCodeFixProvider : GuardFixProvider
{
    private const string Rule = RuleIdentifiers.CheckThenAct;
    private const string CompareExchangeKey = Rule + ".CompareExchange";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Rule);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        var guards = GuardPlans(Rule, diagnostic, root, model, document, cancellationToken);
        if (CompareExchange.Find(diagnostic, root, model, cancellationToken) is not { } exchange)
        {
            return guards;
        }

        return guards.Add(new FixPlan(
            "Use Interlocked.CompareExchange",
            CompareExchangeKey,
            editor => CompareExchangeSession.Add(editor, exchange, model, cancellationToken),
            "System.Threading"));
    }
}
