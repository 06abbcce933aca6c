using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Nuzantara.Analyzers.Editing;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3001 on a <c>ConcurrentDictionary</c>: replaces the check and the write with one atomic call, for the three shapes
/// whose meaning the call keeps exactly:
/// <c>if (!d.ContainsKey(k)) d[k] = v;</c> → <c>d.TryAdd(k, v);</c> (or <c>d.GetOrAdd(k, _ =&gt; v);</c> when computing
/// <c>v</c> has effects, so that it still runs only for a missing key);
/// <c>if (!d.TryGetValue(k, out var x)) { x = Create(); d[k] = x; }</c> → <c>var x = d.GetOrAdd(k, _ =&gt; Create());</c>;
/// <c>if (d.TryGetValue(k, out var n)) d[k] = n + 1; else d[k] = 1;</c> → <c>d.AddOrUpdate(k, 1, (_, n) =&gt; n + 1);</c>.
/// Anything else (an await in a value, more statements in a branch, the looked-up value used after the <c>if</c>, a
/// <c>Dictionary</c>) gets no fix: guarding it with a lock is the shared-state fix's job.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DictionaryCheckThenActCodeFixProvider))]
[Shared]
public sealed class DictionaryCheckThenActCodeFixProvider : DocumentFixProvider
{
    private const string TryAddKey = "NZ3001.TryAdd";
    private const string GetOrAddKey = "NZ3001.GetOrAdd";
    private const string AddOrUpdateKey = "NZ3001.AddOrUpdate";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.DictionaryCheckThenAct);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax check } invocation
            || invocation.FirstAncestorOrSelf<IfStatementSyntax>() is not { } ifStatement
            || !IsConcurrentDictionary(model.GetTypeInfo(check.Expression, cancellationToken).Type)
            || invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression is not { } key)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var dictionary = check.Expression;
        var negated = ifStatement.Condition is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not
            && Unparenthesize(not.Operand) == invocation;
        if (!negated && Unparenthesize(ifStatement.Condition) != invocation)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var plan = check.Name.Identifier.ValueText switch
        {
            "ContainsKey" when negated && ifStatement.Else is null => PlanAdd(ifStatement, dictionary, key, model),
            "TryGetValue" when negated && ifStatement.Else is null => PlanGetOrAdd(ifStatement, invocation, dictionary, key)
                ?? PlanAddWithDiscardedLookup(ifStatement, invocation, dictionary, key, model),
            "TryGetValue" when ifStatement.Else is { } otherwise => PlanAddOrUpdate(ifStatement, invocation, dictionary, key, negated, otherwise, model),
            _ => null,
        };
        return plan is null ? ImmutableArray<FixPlan>.Empty : ImmutableArray.Create(plan);
    }

    /// <summary><c>if (!d.ContainsKey(k)) d[k] = v;</c> → <c>d.TryAdd(k, v);</c>, or <c>GetOrAdd</c> with a factory when <c>v</c> has effects.</summary>
    private static FixPlan? PlanAdd(IfStatementSyntax ifStatement, ExpressionSyntax dictionary, ExpressionSyntax key, SemanticModel model)
    {
        if (SingleStatement(ifStatement.Statement) is not { } only || SetValue(only, dictionary, key) is not { } value || HasAwait(value))
        {
            return null;
        }

        return IsPlain(value, model)
            ? Replace(ifStatement, $"{dictionary}.TryAdd({key}, {value});", "Use TryAdd", TryAddKey)
            : Replace(ifStatement, $"{dictionary}.GetOrAdd({key}, _ => {value});", "Use GetOrAdd", GetOrAddKey);
    }

    /// <summary><c>if (!d.TryGetValue(k, out _)) d[k] = v;</c>: the same as the <c>ContainsKey</c> shape.</summary>
    private static FixPlan? PlanAddWithDiscardedLookup(IfStatementSyntax ifStatement, InvocationExpressionSyntax invocation, ExpressionSyntax dictionary, ExpressionSyntax key, SemanticModel model)
        => invocation.ArgumentList.Arguments.Count == 2
            && invocation.ArgumentList.Arguments[1].Expression is IdentifierNameSyntax { Identifier.ValueText: "_" } or DeclarationExpressionSyntax { Designation: DiscardDesignationSyntax }
                ? PlanAdd(ifStatement, dictionary, key, model)
                : null;

    /// <summary><c>if (!d.TryGetValue(k, out var x)) { x = Create(); d[k] = x; }</c> → <c>var x = d.GetOrAdd(k, _ =&gt; Create());</c>.</summary>
    private static FixPlan? PlanGetOrAdd(IfStatementSyntax ifStatement, InvocationExpressionSyntax invocation, ExpressionSyntax dictionary, ExpressionSyntax key)
    {
        var statements = Statements(ifStatement.Statement);
        if (OutTarget(invocation) is not { } target
            || statements.Length != 2
            || statements[0] is not ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } create }
            || create.Left is not IdentifierNameSyntax assigned
            || assigned.Identifier.ValueText != target.Name
            || SetValue(statements[1], dictionary, key) is not IdentifierNameSyntax stored
            || stored.Identifier.ValueText != target.Name
            || HasAwait(create.Right)
            || Mentions(create.Right, target.Name))
        {
            return null;
        }

        var declaration = target.Declaration switch
        {
            DeclarationExpressionSyntax { Type: var type } => $"{type} {target.Name} = ",
            _ => $"{target.Name} = ",
        };
        return Replace(ifStatement, $"{declaration}{dictionary}.GetOrAdd({key}, _ => {create.Right});", "Use GetOrAdd", GetOrAddKey);
    }

    /// <summary><c>if (d.TryGetValue(k, out var n)) d[k] = n + 1; else d[k] = 1;</c> → <c>d.AddOrUpdate(k, 1, (_, n) =&gt; n + 1);</c>.</summary>
    private static FixPlan? PlanAddOrUpdate(IfStatementSyntax ifStatement, InvocationExpressionSyntax invocation, ExpressionSyntax dictionary, ExpressionSyntax key, bool negated, ElseClauseSyntax otherwise, SemanticModel model)
    {
        var found = negated ? otherwise.Statement : ifStatement.Statement;
        var missing = negated ? ifStatement.Statement : otherwise.Statement;
        if (OutTarget(invocation) is not { Declaration: DeclarationExpressionSyntax } target
            || SingleStatement(found) is not { } update || SetValue(update, dictionary, key) is not { } updated
            || SingleStatement(missing) is not { } add || SetValue(add, dictionary, key) is not { } added
            || HasAwait(updated) || HasAwait(added) || Mentions(added, target.Name)
            || UsedAfter(ifStatement, target.Name))
        {
            return null;
        }

        var addArgument = IsPlain(added, model) ? added.ToString() : "_ => " + added;
        return Replace(ifStatement, $"{dictionary}.AddOrUpdate({key}, {addArgument}, (_, {target.Name}) => {updated});", "Use AddOrUpdate", AddOrUpdateKey);
    }

    private static FixPlan Replace(IfStatementSyntax ifStatement, string text, string title, string equivalenceKey)
        => new(title, equivalenceKey, editor => editor.ReplaceNode(ifStatement, (current, _) =>
            SyntaxFactory.ParseStatement(text)
                .WithLeadingTrivia(current.GetLeadingTrivia())
                .WithTrailingTrivia(current.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation)));

    /// <summary>The value a statement stores under the key: <c>d[k] = v;</c>.</summary>
    private static ExpressionSyntax? SetValue(StatementSyntax statement, ExpressionSyntax dictionary, ExpressionSyntax key)
        => statement is ExpressionStatementSyntax
        {
            Expression: AssignmentExpressionSyntax
            {
                RawKind: (int)SyntaxKind.SimpleAssignmentExpression,
                Left: ElementAccessExpressionSyntax { ArgumentList.Arguments.Count: 1 } element,
                Right: var value,
            },
        }
            && SyntaxFactory.AreEquivalent(element.Expression, dictionary)
            && SyntaxFactory.AreEquivalent(element.ArgumentList.Arguments[0].Expression, key)
                ? value
                : null;

    private static (string Name, ExpressionSyntax Declaration)? OutTarget(InvocationExpressionSyntax invocation)
        => invocation.ArgumentList.Arguments.Count == 2 && invocation.ArgumentList.Arguments[1] is { RefKindKeyword.RawKind: (int)SyntaxKind.OutKeyword, Expression: var target }
            ? target switch
            {
                DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax variable } declaration => (variable.Identifier.ValueText, declaration),
                IdentifierNameSyntax { Identifier.ValueText: not "_" } name => (name.Identifier.ValueText, name),
                _ => null,
            }
            : null;

    private static StatementSyntax? SingleStatement(StatementSyntax statement)
        => Statements(statement) is { Length: 1 } statements ? statements[0] : null;

    private static StatementSyntax[] Statements(StatementSyntax statement)
        => statement is BlockSyntax block ? block.Statements.ToArray() : [statement];

    /// <summary>A value that evaluating early (or once more) cannot change: a literal, a local, a parameter, a member read, <c>default</c>.</summary>
    private static bool IsPlain(ExpressionSyntax value, SemanticModel model)
        => value switch
        {
            LiteralExpressionSyntax or DefaultExpressionSyntax or ThisExpressionSyntax => true,
            IdentifierNameSyntax name => model.GetSymbolInfo(name).Symbol is ILocalSymbol or IParameterSymbol or IFieldSymbol,
            MemberAccessExpressionSyntax member => model.GetSymbolInfo(member).Symbol is IFieldSymbol or IPropertySymbol { IsStatic: true } && IsPlain(member.Expression, model),
            ParenthesizedExpressionSyntax parenthesized => IsPlain(parenthesized.Expression, model),
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } negative => IsPlain(negative.Operand, model),
            _ => false,
        };

    private static bool HasAwait(SyntaxNode node) => node.DescendantNodesAndSelf().Any(n => n is AwaitExpressionSyntax);

    private static bool Mentions(SyntaxNode node, string name)
        => node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == name);

    /// <summary>Whether the local the lookup declares is used after the <c>if</c>: the rewrite removes its declaration.</summary>
    private static bool UsedAfter(IfStatementSyntax ifStatement, string name)
    {
        if (ifStatement.Parent is not BlockSyntax block)
        {
            return true;
        }

        return block.Statements.SkipWhile(s => s != ifStatement).Skip(1).Any(s => Mentions(s, name));
    }

    private static ExpressionSyntax Unparenthesize(ExpressionSyntax expression)
    {
        while (expression is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized.Expression;
        }

        return expression;
    }

    private static bool IsConcurrentDictionary(ITypeSymbol? type)
        => type is INamedTypeSymbol named && named.OriginalDefinition.ToDisplayString() == "System.Collections.Concurrent.ConcurrentDictionary<TKey, TValue>";
}
