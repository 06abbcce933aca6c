using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Nuzantara.Analyzers.Editing;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ2001: guards the write (with the reads it depends on) with the type's lock, or a new <c>AsyncLock</c>; or with a
/// keyed lock when the state written belongs to one key parameter.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnguardedSharedWriteCodeFixProvider))]
[Shared]
public sealed class UnguardedSharedWriteCodeFixProvider : GuardFixProvider
{
    private const string Rule = RuleIdentifiers.UnguardedSharedWrite;

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Rule);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
        => GuardPlans(Rule, diagnostic, root, model, document, cancellationToken);
}
