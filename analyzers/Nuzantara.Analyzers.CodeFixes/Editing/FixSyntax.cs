using System;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Nuzantara.Analyzers.Analysis;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Editing;

/// <summary>Syntax the lock fixes share: timeouts, forwarded tokens, timeout exceptions.</summary>
internal static class FixSyntax
{
    internal const string RuntimeNamespace = "Nuzantara.Concurrency";

    /// <summary><c>TimeSpan.FromSeconds(5)</c>, or <c>FromMilliseconds</c> for a fraction of a second.</summary>
    internal static ExpressionSyntax Timeout(TimeSpan timeout)
    {
        var wholeSeconds = timeout.Ticks % TimeSpan.TicksPerSecond == 0;
        var factory = wholeSeconds ? "FromSeconds" : "FromMilliseconds";
        var value = wholeSeconds ? (int)timeout.TotalSeconds : (int)Math.Round(timeout.TotalMilliseconds);
        return InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("TimeSpan"), IdentifierName(factory)),
            ArgumentList(SingletonSeparatedList(Argument(LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(value))))));
    }

    /// <summary>How a fix describes a timeout in its title: <c>5 s</c>, <c>500 ms</c>.</summary>
    internal static string Describe(TimeSpan timeout)
        => timeout.Ticks % TimeSpan.TicksPerSecond == 0
            ? timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s"
            : timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms";

    /// <summary>
    /// The token to forward: the call's own, else a <see cref="System.Threading.CancellationToken"/> parameter of the
    /// innermost enclosing method, local function or lambda.
    /// </summary>
    internal static ExpressionSyntax? CancellationToken(SyntaxNode node, SemanticModel model, ExpressionSyntax? existing)
    {
        if (existing is not null)
        {
            return existing;
        }

        foreach (var ancestor in node.Ancestors())
        {
            var method = ancestor switch
            {
                AnonymousFunctionExpressionSyntax lambda => model.GetSymbolInfo(lambda).Symbol as IMethodSymbol,
                LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax => model.GetDeclaredSymbol(ancestor) as IMethodSymbol,
                _ => null,
            };
            if (method is not null)
            {
                var parameter = method.Parameters.FirstOrDefault(p => p.Type.ToDisplayString() == "System.Threading.CancellationToken");
                return parameter is null ? null : IdentifierName(parameter.Name);
            }
        }

        return null;
    }

    /// <summary>
    /// Records <c>acquire; try { body } finally { release; }</c> → <c>using (resource) { body }</c>: the acquisition
    /// statement goes, the try becomes the using and keeps the acquisition's leading trivia (its comments).
    /// </summary>
    internal static void ReplaceTryFinallyWithUsing(DocumentEditor editor, StatementSyntax acquire, TryStatementSyntax tryStatement, ExpressionSyntax resource)
    {
        editor.RemoveNode(acquire, SyntaxRemoveOptions.KeepNoTrivia);
        editor.ReplaceNode(tryStatement, (current, _) =>
            UsingStatement(null, resource, ((TryStatementSyntax)current).Block)
                .WithLeadingTrivia(acquire.GetLeadingTrivia())
                .WithTrailingTrivia(current.GetTrailingTrivia()));
    }

    /// <summary>Whether an <c>await</c> may be written at the statement: inside an async function, not inside a <c>lock</c>.</summary>
    internal static bool CanAwait(StatementSyntax statement)
    {
        foreach (var ancestor in statement.Ancestors())
        {
            switch (ancestor)
            {
                case LockStatementSyntax:
                    return false;
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax function:
                    return function.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    /// <summary><c>throw new LockTimeoutException("_gate", LockMode.Exclusive, TimeSpan.FromSeconds(5));</c></summary>
    internal static ThrowStatementSyntax ThrowTimeout(string lockName, string mode, TimeSpan timeout)
        => ThrowTimeout(lockName, mode, Timeout(timeout));

    /// <summary><c>throw new LockTimeoutException("_gate", LockMode.Exclusive, timeout);</c> with the wait as the code already states it.</summary>
    internal static ThrowStatementSyntax ThrowTimeout(string lockName, string mode, ExpressionSyntax waited)
        => ThrowStatement(
            ObjectCreationExpression(IdentifierName("LockTimeoutException"))
                .WithArgumentList(ArgumentList(SeparatedList(new[]
                {
                    Argument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(lockName))),
                    Argument(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("LockMode"), IdentifierName(mode))),
                    Argument(waited),
                }))));

    /// <summary>The exception a timed-out <paramref name="call"/> throws: named after its lock, in its mode.</summary>
    internal static ThrowStatementSyntax ThrowTimeout(LockCall call, ExpressionSyntax waited)
    {
        var mode = call.Mode switch
        {
            "read" => "Read",
            "write" or "upgradeable" => "Write",
            _ => "Exclusive",
        };
        return ThrowTimeout(call.TargetSymbol?.Name ?? LockApis.DisplayName(call.Family), mode, waited);
    }
}
