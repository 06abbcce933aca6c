using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Editing;

/// <summary>
/// <c>if (!_started) { _started = true; … }</c> → <c>if (Interlocked.CompareExchange(ref _started, 1, 0) == 0) { … }</c>:
/// the check and the set become one atomic step, so exactly one caller runs the body. Only when setting the flag is
/// the body's first statement (otherwise other callers would see the flag before the work it announces is done, and a
/// lock is the right fix). A <c>bool</c> flag becomes an <c>int</c> (Interlocked has no bool overload), which is
/// offered only for a private field whose every use is in this document and rewrites one to one.
/// </summary>
internal sealed class CompareExchange
{
    private CompareExchange(IfStatementSyntax check, ExpressionStatementSyntax set, IFieldSymbol field, int expected, int replacement)
    {
        Check = check;
        Set = set;
        Field = field;
        Expected = expected;
        Replacement = replacement;
    }

    internal IfStatementSyntax Check { get; }

    /// <summary>The statement setting the flag, removed: the exchange sets it.</summary>
    internal ExpressionStatementSyntax Set { get; }

    internal IFieldSymbol Field { get; }

    internal int Expected { get; }

    internal int Replacement { get; }

    internal bool ConvertsBool => Field.Type.SpecialType == SpecialType.System_Boolean;

    /// <summary>The rewrite for the check-then-set around the diagnostic; null when its shape is not a flag set first thing.</summary>
    internal static CompareExchange? Find(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
    {
        var location = diagnostic.Location.SourceSpan;
        var node = root.FindNode(location, getInnermostNodeForTie: true);
        foreach (var check in node.AncestorsAndSelf().OfType<IfStatementSyntax>())
        {
            // The check-then-set the diagnostic is about: it sits on the set (or on the check), not on another flag.
            if (Match(check, model, cancellationToken) is { } match
                && (match.Set.Span.IntersectsWith(location) || match.Check.Condition.Span.IntersectsWith(location)))
            {
                return match.ConvertsBool && !CanConvert(match.Field, model, cancellationToken) ? null : match;
            }
        }

        return null;
    }

    private static CompareExchange? Match(IfStatementSyntax check, SemanticModel model, CancellationToken cancellationToken)
    {
        if (Test(check.Condition, model, cancellationToken) is not { } test
            || check.Statement is not BlockSyntax { Statements.Count: > 0 } body
            || body.Statements[0] is not ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment } set
            || !SymbolEqualityComparer.Default.Equals(FlagField(assignment.Left, model, cancellationToken), test.Field)
            || Constant(assignment.Right, model, cancellationToken) is not { } replacement
            || replacement == test.Expected)
        {
            return null;
        }

        return new CompareExchange(check, set, test.Field, test.Expected, replacement);
    }

    /// <summary><c>!_flag</c>, <c>_flag</c>, <c>_flag == 0</c>, <c>0 == _flag</c>, <c>_flag == false</c>: the field and the value that lets the body run.</summary>
    private static (IFieldSymbol Field, int Expected)? Test(ExpressionSyntax condition, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (condition)
        {
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression, Operand: var operand }
                when FlagField(operand, model, cancellationToken) is { Type.SpecialType: SpecialType.System_Boolean } negated:
                return (negated, 0);
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression } equals:
                if (FlagField(equals.Left, model, cancellationToken) is { } left && Constant(equals.Right, model, cancellationToken) is { } right)
                {
                    return (left, right);
                }

                return FlagField(equals.Right, model, cancellationToken) is { } field && Constant(equals.Left, model, cancellationToken) is { } value ? (field, value) : null;
            default:
                return FlagField(condition, model, cancellationToken) is { Type.SpecialType: SpecialType.System_Boolean } flag ? (flag, 1) : null;
        }
    }

    /// <summary>A mutable bool or int field of the type, named directly or through <c>this.</c>.</summary>
    private static IFieldSymbol? FlagField(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        if (expression is not (IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax or IdentifierNameSyntax }))
        {
            return null;
        }

        return model.GetSymbolInfo(expression, cancellationToken).Symbol is IFieldSymbol { IsConst: false, IsReadOnly: false } field
            && field.Type.SpecialType is SpecialType.System_Boolean or SpecialType.System_Int32
            && (model.GetOperation(expression, cancellationToken) is IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation })
                ? field
                : null;
    }

    private static int? Constant(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
        => model.GetConstantValue(expression, cancellationToken) switch
        {
            { HasValue: true, Value: bool flag } => flag ? 1 : 0,
            { HasValue: true, Value: int number } => number,
            _ => null,
        };

    /// <summary>A bool field can become an int when it is private, declared alone in this document, and every use is one the conversion rewrites.</summary>
    private static bool CanConvert(IFieldSymbol field, SemanticModel model, CancellationToken cancellationToken)
    {
        if (field.DeclaredAccessibility != Accessibility.Private
            || field.ContainingType.DeclaringSyntaxReferences.Length != 1
            || field.ContainingType.DeclaringSyntaxReferences[0].SyntaxTree != model.SyntaxTree
            || field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1 } })
        {
            return false;
        }

        return References(field, model, cancellationToken).All(reference => reference.Parent switch
        {
            AssignmentExpressionSyntax assignment when assignment.Left == reference => assignment.IsKind(SyntaxKind.SimpleAssignmentExpression),
            ArgumentSyntax argument => argument.RefKindKeyword.IsKind(SyntaxKind.None),
            PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => reference.Parent.IsKind(SyntaxKind.LogicalNotExpression),
            RefExpressionSyntax => false,
            _ => true,
        });
    }

    /// <summary>Every reference to the field in its type, as the expression that names it (<c>_flag</c> or <c>this._flag</c>).</summary>
    internal static IEnumerable<ExpressionSyntax> References(IFieldSymbol field, SemanticModel model, CancellationToken cancellationToken)
    {
        var type = field.ContainingType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
        foreach (var name in type.DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => n.Identifier.ValueText == field.Name))
        {
            if (name.Parent is MemberAccessExpressionSyntax { Name: var member } access && member == name)
            {
                if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(access, cancellationToken).Symbol, field))
                {
                    yield return access;
                }
            }
            else if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, field) && name.Parent is not NameColonSyntax && !IsInNameOf(name))
            {
                yield return name;
            }
        }
    }

    private static bool IsInNameOf(SyntaxNode node)
        => node.Ancestors().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" });

    /// <summary><c>Interlocked.CompareExchange(ref _flag, 1, 0) == 0</c>.</summary>
    internal ExpressionSyntax Exchange(ExpressionSyntax flag)
        => BinaryExpression(
            SyntaxKind.EqualsExpression,
            InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("Interlocked"), IdentifierName("CompareExchange")),
                ArgumentList(SeparatedList(new[]
                {
                    Argument(flag.WithoutTrivia()).WithRefKindKeyword(Token(SyntaxKind.RefKeyword)),
                    Argument(Number(Replacement)),
                    Argument(Number(Expected)),
                }))),
            Number(Expected));

    internal static ExpressionSyntax Number(int value)
        => value < 0
            ? PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(-(long)value)))
            : LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(value));
}

/// <summary>
/// The exchanges of one fix pass: each check-then-set becomes an exchange, then each bool flag involved becomes an int
/// once, with its other uses rewritten (<c>!_f</c> → <c>_f == 0</c>, <c>_f</c> → <c>_f != 0</c>, <c>_f = x</c> → <c>_f = x ? 1 : 0</c>).
/// </summary>
internal sealed class CompareExchangeSession
{
    private static readonly ConditionalWeakTable<DocumentEditor, CompareExchangeSession> Sessions = new();

    private readonly List<(CompareExchange Exchange, SemanticModel Model, CancellationToken CancellationToken)> _exchanges = new();

    internal static void Add(DocumentEditor editor, CompareExchange exchange, SemanticModel model, CancellationToken cancellationToken)
        => Sessions.GetValue(editor, _ => new CompareExchangeSession())._exchanges.Add((exchange, model, cancellationToken));

    internal static void Commit(DocumentEditor editor)
    {
        if (Sessions.TryGetValue(editor, out var session))
        {
            Sessions.Remove(editor);
            session.Apply(editor);
        }
    }

    private void Apply(DocumentEditor editor)
    {
        var exchanges = _exchanges.GroupBy(e => e.Exchange.Check).Select(g => g.First()).ToList();
        var rewritten = new HashSet<SyntaxNode>();
        foreach (var (exchange, _, _) in exchanges)
        {
            var flag = exchange.Set.Expression is AssignmentExpressionSyntax assignment ? assignment.Left : null;
            editor.ReplaceNode(exchange.Check.Condition, exchange.Exchange(flag!).WithTriviaFrom(exchange.Check.Condition));
            editor.RemoveNode(exchange.Set, SyntaxRemoveOptions.KeepNoTrivia);
            rewritten.Add(exchange.Check.Condition);
            rewritten.Add(exchange.Set);
        }

        foreach (var (exchange, model, cancellationToken) in exchanges.Where(e => e.Exchange.ConvertsBool).GroupBy(e => e.Exchange.Field, SymbolEqualityComparer.Default).Select(g => g.First()))
        {
            ConvertToInt(editor, exchange.Field, model, rewritten, cancellationToken);
        }
    }

    private static void ConvertToInt(DocumentEditor editor, IFieldSymbol field, SemanticModel model, HashSet<SyntaxNode> rewritten, CancellationToken cancellationToken)
    {
        if (field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } declarator)
        {
            return;
        }

        editor.ReplaceNode(declaration.Type, PredefinedType(Token(SyntaxKind.IntKeyword)).WithTriviaFrom(declaration.Type));
        if (declarator.Initializer is { Value: var initial })
        {
            editor.ReplaceNode(initial, ToInt(initial, model.GetConstantValue(initial, cancellationToken)));
        }

        foreach (var reference in CompareExchange.References(field, model, cancellationToken))
        {
            if (rewritten.Any(r => r.Span.Contains(reference.Span)))
            {
                continue;
            }

            switch (reference.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Left == reference:
                    var constant = model.GetConstantValue(assignment.Right, cancellationToken);
                    editor.ReplaceNode(assignment.Right, (current, _) => ToInt((ExpressionSyntax)current, constant));
                    break;
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not:
                    editor.ReplaceNode(not, Parenthesize(not, BinaryExpression(SyntaxKind.EqualsExpression, reference.WithoutTrivia(), CompareExchange.Number(0))).WithTriviaFrom(not));
                    break;
                default:
                    editor.ReplaceNode(reference, Parenthesize(reference, BinaryExpression(SyntaxKind.NotEqualsExpression, reference.WithoutTrivia(), CompareExchange.Number(0))).WithTriviaFrom(reference));
                    break;
            }
        }
    }

    /// <summary><c>true</c> → <c>1</c>, <c>false</c> → <c>0</c>, anything else → <c>x ? 1 : 0</c>.</summary>
    private static ExpressionSyntax ToInt(ExpressionSyntax value, Optional<object?> known)
        => known is { HasValue: true, Value: bool constant }
            ? CompareExchange.Number(constant ? 1 : 0).WithTriviaFrom(value)
            : ConditionalExpression(ParenthesizedExpression(value.WithoutTrivia()), CompareExchange.Number(1), CompareExchange.Number(0)).WithTriviaFrom(value);

    /// <summary>A comparison where the bool stood: bare in a condition, an argument or an assignment; in parentheses elsewhere.</summary>
    private static ExpressionSyntax Parenthesize(SyntaxNode original, ExpressionSyntax comparison)
        => original.Parent is IfStatementSyntax or WhileStatementSyntax or ArgumentSyntax or EqualsValueClauseSyntax or ReturnStatementSyntax
            or ArrowExpressionClauseSyntax or ParenthesizedExpressionSyntax or AssignmentExpressionSyntax
            ? comparison
            : ParenthesizedExpression(comparison);
}
