using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Nuzantara.Analyzers.Configuration;

namespace Nuzantara.Analyzers.Editing;

/// <summary>
/// Base of the fixes that guard shared state with a lock (NZ2001, NZ2002, NZ2003, NZ3002): plans "Guard with
/// '_gate'" and, where the state is partitioned by a key parameter, "Guard with a keyed lock on 'userId'"; applies
/// every guard of a pass together (<see cref="GuardSession"/>).
/// </summary>
public abstract class GuardFixProvider : DocumentFixProvider
{
    internal override void Complete(DocumentEditor editor)
    {
        GuardSession.Commit(editor);
        CompareExchangeSession.Commit(editor);
    }

    /// <summary>The guard actions for a diagnostic: the exclusive guard (or, in a synchronous method, the explicit choice to make it async), then the keyed guard.</summary>
    internal static ImmutableArray<FixPlan> GuardPlans(string rule, Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (GuardSpan.Find(diagnostic, root, model, cancellationToken) is not { } span)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var locks = new GuardLocks(span, model, cancellationToken);
        var plans = ImmutableArray.CreateBuilder<FixPlan>();
        if (locks.Exclusive() is { } exclusive && Plan(rule, span, exclusive, locks, root, model, document, cancellationToken) is { } plan)
        {
            plans.Add(plan);
        }

        if (locks.Keyed() is { } keyed && Plan(rule, span, keyed, locks, root, model, document, cancellationToken) is { } keyedPlan)
        {
            plans.Add(keyedPlan);
        }

        return plans.ToImmutable();
    }

    private static FixPlan? Plan(string rule, GuardSpan span, GuardLock guard, GuardLocks locks, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        MakeAsync? makeAsync = null;
        if (guard.IsAsync && !span.IsAsync)
        {
            makeAsync = MakeAsync.Create(span, model, cancellationToken);
            if (makeAsync is null)
            {
                return null;
            }
        }

        var tree = root.SyntaxTree;
        var token = guard.IsAsync ? FixSyntax.CancellationToken(span.Nodes.First(), model, null) : null;
        var timeout = RuleOptions.DefaultTimeout.GetValue(document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider, tree);
        var request = new GuardRequest(
            span,
            guard,
            GuardSyntax.LockExpression(guard, model, span.Span.Start, span.ContainingType),
            token,
            timeout,
            configureAwait: UsesConfigureAwait(root),
            targetTypedNew: ((CSharpParseOptions)tree.Options).LanguageVersion >= LanguageVersion.CSharp9,
            makeAsync,
            locks.CalledMethods);
        AbsorbAdjacentGuards(request);

        var imports = new List<string>();
        if ((guard.IsNew && guard.IsAsync) || guard.Shape is GuardShape.Semaphore)
        {
            imports.Add(FixSyntax.RuntimeNamespace);
        }

        if (guard.Shape == GuardShape.Semaphore)
        {
            imports.Add("System");
        }

        if (makeAsync is not null)
        {
            imports.Add("System.Threading.Tasks");
        }

        var (title, key) = (guard.Shape, makeAsync) switch
        {
            (GuardShape.Keyed, _) => ($"Guard with {guard.Describe()}", rule + ".GuardKeyed"),
            (_, { } method) => ($"Make '{method.Name}' async and guard with {guard.Describe()}", rule + ".GuardMakeAsync"),
            _ => ($"Guard with {guard.Describe()}", rule + ".Guard"),
        };
        return new FixPlan(title, key, editor => GuardSession.Add(editor, request), imports.ToArray());
    }

    /// <summary>
    /// Widens the range over a guard of the same lock right before or after it, so that a second fix next to the first
    /// extends its block instead of opening another one (and one fix at a time ends where Fix All does).
    /// </summary>
    private static void AbsorbAdjacentGuards(GuardRequest request)
    {
        if (request.Span.Container is not { } container)
        {
            return;
        }

        var statements = GuardSyntax.StatementsOf(container);
        while (request.First > 0 && GuardSyntax.IsGuardOf(statements[request.First - 1], request.Lock, request.LockExpression))
        {
            request.First--;
        }

        while (request.Last < statements.Count - 1 && GuardSyntax.IsGuardOf(statements[request.Last + 1], request.Lock, request.LockExpression))
        {
            request.Last++;
        }
    }

    /// <summary>Whether the file awaits with <c>ConfigureAwait(false)</c>, so the guard's await should too (CA2007).</summary>
    private static bool UsesConfigureAwait(SyntaxNode root)
        => root.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i =>
            i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" }
            && i.ArgumentList.Arguments.Count == 1
            && i.ArgumentList.Arguments[0].Expression.IsKind(SyntaxKind.FalseLiteralExpression));
}

/// <summary>Marks what a fix pass has already done in a document, so plans that share an edit record it once.</summary>
internal static class EditorOnce
{
    private static readonly ConditionalWeakTable<DocumentEditor, HashSet<string>> Done = new();

    /// <summary>True the first time a key is seen for this editor.</summary>
    internal static bool First(DocumentEditor editor, string key) => Done.GetValue(editor, _ => new HashSet<string>(System.StringComparer.Ordinal)).Add(key);
}
