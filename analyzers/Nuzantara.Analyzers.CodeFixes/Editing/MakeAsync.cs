using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Editing;

/// <summary>
/// Turns a synchronous private method into an async one so that it can await a lock: <c>void Increment()</c> becomes
/// <c>async Task IncrementAsync()</c> (<c>T</c> becomes <c>Task&lt;T&gt;</c>) and every caller awaits it. Offered only
/// as an explicit choice, and only where every caller is in the same type and can await: a private method, called
/// (never referenced as a delegate) from async code outside any <c>lock</c> statement.
/// </summary>
internal sealed class MakeAsync
{
    private MakeAsync(MethodDeclarationSyntax method, string name, string newName, ImmutableArray<InvocationExpressionSyntax> callers)
    {
        Method = method;
        Name = name;
        NewName = newName;
        Callers = callers;
    }

    internal MethodDeclarationSyntax Method { get; }

    internal string Name { get; }

    /// <summary>The method's new name: with the <c>Async</c> suffix when that name is free.</summary>
    internal string NewName { get; }

    internal ImmutableArray<InvocationExpressionSyntax> Callers { get; }

    internal static bool CanApply(GuardSpan span, SemanticModel model, CancellationToken cancellationToken)
        => Create(span, model, cancellationToken) is not null;

    internal static MakeAsync? Create(GuardSpan span, SemanticModel model, CancellationToken cancellationToken)
    {
        if (span.Function is not MethodDeclarationSyntax method
            || span.FunctionSymbol is not
            {
                MethodKind: MethodKind.Ordinary,
                IsAsync: false,
                DeclaredAccessibility: Accessibility.Private,
                IsOverride: false,
                IsVirtual: false,
                IsAbstract: false,
                IsExtern: false,
                IsGenericMethod: false,
                ReturnsByRef: false,
                ReturnsByRefReadonly: false,
                PartialDefinitionPart: null,
                PartialImplementationPart: null,
            } symbol
            || symbol.Parameters.Any(p => p.RefKind != RefKind.None || p.Type.IsRefLikeType)
            || (!symbol.ReturnsVoid && IsAwaitable(symbol.ReturnType))
            || symbol.ContainingType.DeclaringSyntaxReferences.Length != 1
            || ImplementsInterface(symbol)
            || method.DescendantNodes().Any(n => n is YieldStatementSyntax or UnsafeStatementSyntax or FixedStatementSyntax or StackAllocArrayCreationExpressionSyntax or RefTypeSyntax))
        {
            return null;
        }

        var type = symbol.ContainingType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
        if (type.SyntaxTree != model.SyntaxTree)
        {
            return null;
        }

        var callers = ImmutableArray.CreateBuilder<InvocationExpressionSyntax>();
        foreach (var name in type.DescendantNodes().OfType<SimpleNameSyntax>().Where(n => n.Identifier.ValueText == symbol.Name))
        {
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol?.OriginalDefinition, symbol))
            {
                continue;
            }

            var invoked = name.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access && access.Name == name ? (ExpressionSyntax)access : name;
            if (invoked.Parent is not InvocationExpressionSyntax invocation
                || invocation.Expression != invoked
                || GuardSpan.EnclosingFunction(invocation) is not { } caller
                || GuardSpan.SymbolOf(caller, model, cancellationToken) is not { IsAsync: true }
                || invocation.Ancestors().TakeWhile(a => a != caller).Any(a => a is LockStatementSyntax or QueryExpressionSyntax))
            {
                return null;
            }

            callers.Add(invocation);
        }

        var newName = symbol.Name.EndsWith("Async", System.StringComparison.Ordinal) || symbol.ContainingType.GetMembers(symbol.Name + "Async").Any()
            ? symbol.Name
            : symbol.Name + "Async";
        return new MakeAsync(method, symbol.Name, newName, callers.ToImmutable());
    }

    /// <summary>Records the edits: the signature (after its body's edits) and every caller.</summary>
    internal void Apply(DocumentEditor editor, bool configureAwait)
    {
        foreach (var caller in Callers)
        {
            editor.ReplaceNode(caller, (current, _) => Await((InvocationExpressionSyntax)current, caller, configureAwait));
        }
    }

    /// <summary>Records the signature change; call after the body's own edits so that they compose.</summary>
    internal void ApplySignature(DocumentEditor editor)
        => editor.ReplaceNode(Method, (current, _) =>
        {
            var method = (MethodDeclarationSyntax)current;
            var returnType = method.ReturnType;
            TypeSyntax task = returnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword }
                ? IdentifierName("Task")
                : GenericName(Identifier("Task"), TypeArgumentList(SingletonSeparatedList(returnType.WithoutTrivia())));
            return method
                .WithModifiers(method.Modifiers.Add(Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space)))
                .WithReturnType(task.WithTriviaFrom(returnType))
                .WithIdentifier(Identifier(NewName).WithTriviaFrom(method.Identifier));
        });

    private ExpressionSyntax Await(InvocationExpressionSyntax current, InvocationExpressionSyntax original, bool configureAwait)
    {
        var renamed = current.Expression switch
        {
            IdentifierNameSyntax name => current.WithExpression(IdentifierName(NewName).WithTriviaFrom(name)),
            MemberAccessExpressionSyntax access => current.WithExpression(access.WithName(IdentifierName(NewName).WithTriviaFrom(access.Name))),
            _ => current,
        };
        ExpressionSyntax awaited = renamed.WithoutTrivia();
        if (configureAwait)
        {
            awaited = InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, awaited, IdentifierName("ConfigureAwait")),
                ArgumentList(SingletonSeparatedList(Argument(LiteralExpression(SyntaxKind.FalseLiteralExpression)))));
        }

        ExpressionSyntax result = AwaitExpression(awaited);
        if (original.Parent is MemberAccessExpressionSyntax or ConditionalAccessExpressionSyntax or ElementAccessExpressionSyntax or PostfixUnaryExpressionSyntax)
        {
            result = ParenthesizedExpression(result);
        }

        return result.WithTriviaFrom(current);
    }

    private static bool IsAwaitable(ITypeSymbol type)
        => type.GetMembers("GetAwaiter").Any() || type.Name is "Task" or "ValueTask";

    private static bool ImplementsInterface(IMethodSymbol method)
        => !method.ExplicitInterfaceImplementations.IsEmpty
            || method.ContainingType.AllInterfaces.SelectMany(i => i.GetMembers()).Any(m =>
                SymbolEqualityComparer.Default.Equals(method.ContainingType.FindImplementationForInterfaceMember(m), method));
}
