using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Editing;

/// <summary>The syntax of guards: <c>using (await _gate.LockAsync(ct)) { … }</c>, <c>lock (_sync) { … }</c>, and the fields they lock.</summary>
internal static class GuardSyntax
{
    internal static SyntaxList<StatementSyntax> StatementsOf(SyntaxNode container)
        => container switch
        {
            BlockSyntax block => block.Statements,
            SwitchSectionSyntax section => section.Statements,
            _ => default,
        };

    internal static SyntaxNode WithStatements(SyntaxNode container, SyntaxList<StatementSyntax> statements)
        => container switch
        {
            BlockSyntax block => block.WithStatements(statements),
            SwitchSectionSyntax section => section.WithStatements(statements),
            _ => container,
        };

    /// <summary>Whether code awaits here, not counting lambdas and local functions, which run at other times.</summary>
    internal static bool ContainsAwait(SyntaxNode node)
        => node.DescendantNodesAndSelf(n => n == node || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .Any(n => n switch
            {
                AwaitExpressionSyntax => true,
                CommonForEachStatementSyntax loop => loop.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
                UsingStatementSyntax @using => @using.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
                LocalDeclarationStatementSyntax declaration => declaration.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
                _ => false,
            });

    /// <summary>Whether the span runs inside a <c>lock</c> statement, where nothing may be awaited.</summary>
    internal static bool InsideLockStatement(GuardSpan span)
        => span.Nodes.First().Ancestors().TakeWhile(a => a != span.Function).OfType<LockStatementSyntax>().Any();

    /// <summary>The expression that names the lock: the bare name unless a local or parameter hides it.</summary>
    internal static ExpressionSyntax LockExpression(GuardLock guard, SemanticModel model, int position, INamedTypeSymbol type)
    {
        var visible = model.LookupSymbols(position, name: guard.Name).FirstOrDefault();
        if (guard.IsNew ? visible is null : visible is IFieldSymbol or IPropertySymbol)
        {
            return IdentifierName(guard.Name);
        }

        ExpressionSyntax owner = guard.IsStatic ? ParseTypeName(type.ToMinimalDisplayString(model, position)) : ThisExpression();
        return MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, IdentifierName(guard.Name));
    }

    /// <summary><c>await _gate.LockAsync(ct)</c> and its siblings, in the form the lock takes.</summary>
    internal static ExpressionSyntax Acquire(GuardLock guard, ExpressionSyntax lockExpression, ExpressionSyntax? token, TimeSpan timeout, bool configureAwait)
    {
        var arguments = new List<ArgumentSyntax>();
        if (guard.Shape == GuardShape.Keyed)
        {
            arguments.Add(Argument(IdentifierName(guard.Key!)));
        }

        if (guard.Shape == GuardShape.Semaphore)
        {
            arguments.Add(Argument(FixSyntax.Timeout(timeout)));
        }

        if (token is not null)
        {
            arguments.Add(Argument(token.WithoutTrivia()));
        }

        var method = guard.Shape switch
        {
            GuardShape.Semaphore => "AcquireAsync",
            GuardShape.ReaderWriter => "WriteLockAsync",
            GuardShape.NitoReaderWriter => "WriterLockAsync",
            _ => "LockAsync",
        };
        ExpressionSyntax call = InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, lockExpression, IdentifierName(method)),
            ArgumentList(SeparatedList(arguments)));
        if (configureAwait)
        {
            call = InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, call, IdentifierName("ConfigureAwait")),
                ArgumentList(SingletonSeparatedList(Argument(LiteralExpression(SyntaxKind.FalseLiteralExpression)))));
        }

        return AwaitExpression(call);
    }

    /// <summary>The statements, inside the guard; comments before the first statement stay in front of the guard.</summary>
    internal static StatementSyntax Guard(GuardLock guard, ExpressionSyntax lockExpression, ExpressionSyntax? acquire, IReadOnlyList<StatementSyntax> statements)
    {
        var inner = Unwrap(statements, guard, lockExpression);
        var leading = inner[0].GetLeadingTrivia();
        inner[0] = inner[0].WithLeadingTrivia(Indentation(leading));
        // A trailing comment stays with its statement; the guard's closing brace ends the line as the statement did.
        var endOfLine = inner[inner.Count - 1].GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var trailing = endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? TriviaList(endOfLine) : TriviaList(ElasticCarriageReturnLineFeed);
        var body = Block(inner);
        StatementSyntax guarded = acquire is null
            ? LockStatement(lockExpression, body)
            : UsingStatement(null, acquire, body);
        return guarded.WithLeadingTrivia(leading).WithTrailingTrivia(trailing).WithAdditionalAnnotations(Formatter.Annotation);
    }

    /// <summary>A blank line between the guard's closing brace and the next statement, unless there is one already.</summary>
    internal static StatementSyntax WithBlankLineBefore(StatementSyntax guard, StatementSyntax next)
    {
        var endOfLine = guard.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var blank = next.GetLeadingTrivia().SkipWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).FirstOrDefault();
        return endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) && !blank.IsKind(SyntaxKind.EndOfLineTrivia)
            ? guard.WithTrailingTrivia(guard.GetTrailingTrivia().Add(endOfLine))
            : guard;
    }

    /// <summary>
    /// An expression body turned into a block that guards it: <c>=> _total += x;</c> becomes
    /// <c>{ using (…) { _total += x; } }</c>, with <c>return</c> when the body has a value.
    /// </summary>
    internal static BlockSyntax GuardExpressionBody(GuardLock guard, ExpressionSyntax lockExpression, ExpressionSyntax? acquire, ExpressionSyntax body, bool returnsValue)
    {
        StatementSyntax statement = returnsValue ? ReturnStatement(body.WithoutTrivia()) : ExpressionStatement(body.WithoutTrivia());
        return Block(Guard(guard, lockExpression, acquire, new[] { statement })).WithAdditionalAnnotations(Formatter.Annotation);
    }

    /// <summary>
    /// <c>private readonly AsyncLock _gate = new();</c>, the keyed lock, or <c>private readonly object _sync = new();</c>
    /// for a <c>lock</c> statement; <c>new AsyncLock()</c> before C# 9.
    /// </summary>
    internal static FieldDeclarationSyntax Field(GuardLock guard, bool targetTypedNew)
    {
        TypeSyntax type = guard.Shape switch
        {
            GuardShape.Keyed => GenericName(Identifier("KeyedAsyncLock"), TypeArgumentList(SingletonSeparatedList(ParseTypeName(guard.KeyType!.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat))))),
            GuardShape.Monitor => PredefinedType(Token(SyntaxKind.ObjectKeyword)),
            _ => IdentifierName("AsyncLock"),
        };
        ExpressionSyntax creation = targetTypedNew
            ? ImplicitObjectCreationExpression()
            : ObjectCreationExpression(type).WithArgumentList(ArgumentList());
        var modifiers = guard.IsStatic
            ? TokenList(Token(SyntaxKind.PrivateKeyword), Token(SyntaxKind.StaticKeyword), Token(SyntaxKind.ReadOnlyKeyword))
            : TokenList(Token(SyntaxKind.PrivateKeyword), Token(SyntaxKind.ReadOnlyKeyword));
        return FieldDeclaration(VariableDeclaration(type, SingletonSeparatedList(VariableDeclarator(guard.Name).WithInitializer(EqualsValueClause(creation)))))
            .WithModifiers(modifiers)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static SyntaxTriviaList Indentation(SyntaxTriviaList leading)
    {
        var last = leading.Count == 0 ? default : leading[leading.Count - 1];
        return last.IsKind(SyntaxKind.WhitespaceTrivia) ? TriviaList(last) : TriviaList();
    }

    /// <summary>Whether a statement is a guard (<c>using (await lock.…)</c> or <c>lock (…)</c> with a block) of the same lock.</summary>
    internal static bool IsGuardOf(StatementSyntax statement, GuardLock guard, ExpressionSyntax lockExpression)
    {
        var unwrapper = new Unwrapper(guard, Normalize(lockExpression.ToString()));
        return statement switch
        {
            UsingStatementSyntax { Statement: BlockSyntax } @using => guard.IsAsync && unwrapper.IsSameGuard(@using),
            LockStatementSyntax { Statement: BlockSyntax } @lock => !guard.IsAsync && Normalize(@lock.Expression.ToString()) == Normalize(lockExpression.ToString()),
            _ => false,
        };
    }

    private static readonly SyntaxAnnotation Unwrapped = new("Nuzantara.Unwrapped");

    /// <summary>
    /// The statements with any guard of the same lock inside them replaced by its body: the new guard already holds
    /// the lock, and taking it again would deadlock (these locks are not reentrant).
    /// </summary>
    private static List<StatementSyntax> Unwrap(IReadOnlyList<StatementSyntax> statements, GuardLock guard, ExpressionSyntax lockExpression)
    {
        var unwrapper = new Unwrapper(guard, Normalize(lockExpression.ToString()));
        return Flatten(statements.Select(s => (StatementSyntax)unwrapper.Visit(s))).ToList();
    }

    private static IEnumerable<StatementSyntax> Flatten(IEnumerable<StatementSyntax> statements)
    {
        var afterUnwrapped = false;
        foreach (var statement in statements)
        {
            if (statement is BlockSyntax block && block.HasAnnotation(Unwrapped))
            {
                foreach (var inner in block.Statements)
                {
                    yield return inner;
                }

                afterUnwrapped = true;
            }
            else
            {
                // The blank line that followed the unwrapped guard's closing brace has nothing to separate any more.
                yield return afterUnwrapped ? statement.WithLeadingTrivia(WithoutBlankLines(statement.GetLeadingTrivia())) : statement;
                afterUnwrapped = false;
            }
        }
    }

    private static SyntaxTriviaList WithoutBlankLines(SyntaxTriviaList leading)
    {
        var blankPrefix = leading.TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia) || t.IsKind(SyntaxKind.EndOfLineTrivia)).ToList();
        var lastEndOfLine = blankPrefix.FindLastIndex(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return lastEndOfLine < 0 ? leading : TriviaList(leading.Skip(lastEndOfLine + 1));
    }

    private static string Normalize(string lockExpression)
        => lockExpression.StartsWith("this.", StringComparison.Ordinal) ? lockExpression.Substring("this.".Length) : lockExpression;

    private sealed class Unwrapper : CSharpSyntaxRewriter
    {
        private readonly GuardLock _guard;
        private readonly string _lock;

        internal Unwrapper(GuardLock guard, string lockName)
        {
            _guard = guard;
            _lock = lockName;
        }

        public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node) => node;

        public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node) => node;

        public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node) => node;

        public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node) => node;

        public override SyntaxNode? VisitBlock(BlockSyntax node)
        {
            var visited = (BlockSyntax)base.VisitBlock(node)!;
            return visited.WithStatements(List(Flatten(visited.Statements)));
        }

        public override SyntaxNode? VisitSwitchSection(SwitchSectionSyntax node)
        {
            var visited = (SwitchSectionSyntax)base.VisitSwitchSection(node)!;
            return visited.WithStatements(List(Flatten(visited.Statements)));
        }

        public override SyntaxNode? VisitUsingStatement(UsingStatementSyntax node)
        {
            var visited = (UsingStatementSyntax)base.VisitUsingStatement(node)!;
            return IsSameGuard(visited) && visited.Statement is BlockSyntax body
                ? body.WithLeadingTrivia(visited.GetLeadingTrivia()).WithAdditionalAnnotations(Unwrapped)
                : visited;
        }

        public override SyntaxNode? VisitLockStatement(LockStatementSyntax node)
        {
            var visited = (LockStatementSyntax)base.VisitLockStatement(node)!;
            return _guard.Shape == GuardShape.Monitor && Normalize(visited.Expression.ToString()) == _lock && visited.Statement is BlockSyntax body
                ? body.WithLeadingTrivia(visited.GetLeadingTrivia()).WithAdditionalAnnotations(Unwrapped)
                : visited;
        }

        internal bool IsSameGuard(UsingStatementSyntax node)
        {
            var expression = node.Expression is AwaitExpressionSyntax awaited ? awaited.Expression : null;
            if (expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure })
            {
                expression = configure.Expression;
            }

            return expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } call
                && Normalize(access.Expression.ToString()) == _lock
                && (_guard.Key is null || (call.ArgumentList.Arguments.Count > 0 && call.ArgumentList.Arguments[0].Expression.ToString() == _guard.Key));
        }
    }
}
