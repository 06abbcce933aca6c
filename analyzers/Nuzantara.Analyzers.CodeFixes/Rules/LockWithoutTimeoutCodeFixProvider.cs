using System;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Configuration;
using Nuzantara.Analyzers.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1001: bounds the acquisition by a timeout (<c>NZ1001.default_timeout</c>, 5 s unless set). A
/// <c>SemaphoreSlim</c> awaited before a <c>try/finally Release()</c> becomes <c>using (await s.AcquireAsync(…))</c>;
/// other statements wait at most the timeout and throw <c>LockTimeoutException</c>; the runtime's explicit infinite
/// timeouts become the timeout.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LockWithoutTimeoutCodeFixProvider))]
[Shared]
public sealed class LockWithoutTimeoutCodeFixProvider : DocumentFixProvider
{
    // One key for every shape: each diagnostic gets exactly one plan, and Fix All should bound every wait at once.
    private const string EquivalenceKey = "NZ1001.BoundTheWait";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockWithoutTimeout);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation
            || LockApis.Create(model.Compilation).Classify(operation) is not { } call
            || model.Compilation.GetTypeByMetadataName(FixSyntax.RuntimeNamespace + ".LockTimeoutException") is null)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var timeout = RuleOptions.DefaultTimeout.GetValue(document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider, invocation.SyntaxTree);
        // The runtime's calls throw on timeout themselves; elsewhere a statement must learn that the wait failed.
        var plan = IsRuntimeCall(call)
            ? PlanTimeoutArgument(call, timeout)
            : PlanUsing(call, invocation, model, timeout) ?? PlanThrow(call, invocation, model, timeout) ?? PlanTimeoutArgument(call, timeout);
        return plan is null ? ImmutableArray<FixPlan>.Empty : ImmutableArray.Create(plan);
    }

    /// <summary><c>await s.WaitAsync(); try { … } finally { s.Release(); }</c> → <c>using (await s.AcquireAsync(t, ct)) { … }</c>.</summary>
    private static FixPlan? PlanUsing(LockCall call, InvocationExpressionSyntax invocation, SemanticModel model, TimeSpan timeout)
    {
        if (call.Family != LockFamily.SemaphoreSlim
            || invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.Text: "WaitAsync" } access
            || call.Timeout != TimeoutKind.None
            || invocation.Parent is not AwaitExpressionSyntax { Parent: ExpressionStatementSyntax statement }
            || statement.Parent is not BlockSyntax block)
        {
            return null;
        }

        var index = block.Statements.IndexOf(statement);
        if (index + 1 >= block.Statements.Count
            || block.Statements[index + 1] is not TryStatementSyntax { Catches.Count: 0, Finally.Block.Statements.Count: 1 } tryStatement
            || tryStatement.Finally!.Block.Statements[0] is not ExpressionStatementSyntax { Expression: InvocationExpressionSyntax release }
            || !ReleasesSameLock(release, call, model))
        {
            return null;
        }

        var token = FixSyntax.CancellationToken(invocation, model, invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression);
        var arguments = SeparatedList(token is null
            ? new[] { Argument(FixSyntax.Timeout(timeout)) }
            : new[] { Argument(FixSyntax.Timeout(timeout)), Argument(token) });
        var acquire = AwaitExpression(InvocationExpression(access.WithName(IdentifierName("AcquireAsync")), ArgumentList(arguments)));

        return new FixPlan(
            $"Acquire with a {FixSyntax.Describe(timeout)} timeout in 'using'",
            EquivalenceKey,
            editor => FixSyntax.ReplaceTryFinallyWithUsing(editor, statement, tryStatement, acquire),
            "System",
            FixSyntax.RuntimeNamespace);
    }

    /// <summary>An explicit infinite timeout whose outcome the code already handles: the timeout replaces it.</summary>
    private static FixPlan? PlanTimeoutArgument(LockCall call, TimeSpan timeout)
    {
        if (call.Timeout != TimeoutKind.Infinite || WithTimeoutArgument(call, timeout) is not { } timed)
        {
            return null;
        }

        var original = (InvocationExpressionSyntax)call.Invocation.Syntax;
        return new FixPlan(
            $"Wait at most {FixSyntax.Describe(timeout)}",
            EquivalenceKey,
            editor => editor.ReplaceNode(original, timed),
            "System");
    }

    /// <summary>The call with its infinite timeout argument replaced: milliseconds for an int, a TimeSpan otherwise.</summary>
    private static InvocationExpressionSyntax? WithTimeoutArgument(LockCall call, TimeSpan timeout)
    {
        var timeoutArgument = call.Invocation.Arguments.FirstOrDefault(a =>
            a.ArgumentKind == ArgumentKind.Explicit
            && (a.Parameter?.Type.Name == nameof(TimeSpan) || a.Parameter?.Name.IndexOf("timeout", StringComparison.OrdinalIgnoreCase) >= 0));
        if (timeoutArgument is not { Syntax: ArgumentSyntax argument })
        {
            return null;
        }

        ExpressionSyntax value = timeoutArgument.Parameter!.Type.SpecialType == SpecialType.System_Int32
            ? LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal((int)timeout.TotalMilliseconds))
            : FixSyntax.Timeout(timeout);
        return ((InvocationExpressionSyntax)call.Invocation.Syntax).ReplaceNode(argument.Expression, value.WithTriviaFrom(argument.Expression));
    }

    private static bool IsRuntimeCall(LockCall call)
        => call.Invocation.TargetMethod.ContainingNamespace?.ToDisplayString() == FixSyntax.RuntimeNamespace;

    /// <summary>An acquisition statement becomes <c>if (!TryAcquire(t)) throw new LockTimeoutException(…);</c>.</summary>
    private static FixPlan? PlanThrow(LockCall call, InvocationExpressionSyntax invocation, SemanticModel model, TimeSpan timeout)
    {
        var statement = invocation.Parent switch
        {
            ExpressionStatementSyntax direct => direct,
            AwaitExpressionSyntax { Parent: ExpressionStatementSyntax awaited } => awaited,
            MemberAccessExpressionSyntax { Name.Identifier.Text: "ConfigureAwait", Parent: InvocationExpressionSyntax { Parent: AwaitExpressionSyntax { Parent: ExpressionStatementSyntax configured } } } => configured,
            _ => null,
        };
        if (statement is null || TimedCall(call, invocation, model, timeout) is not { } timed)
        {
            return null;
        }

        return new FixPlan(
            $"Wait at most {FixSyntax.Describe(timeout)} and throw LockTimeoutException",
            EquivalenceKey,
            editor => editor.ReplaceNode(
                statement,
                IfStatement(
                        PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, statement.Expression.ReplaceNode(invocation, timed).WithoutTrivia()),
                        Block(FixSyntax.ThrowTimeout(call, FixSyntax.Timeout(timeout))))
                    .WithTriviaFrom(statement)),
            "System",
            FixSyntax.RuntimeNamespace);
    }

    /// <summary>The same call with a timeout, in the overload that returns whether it acquired.</summary>
    private static InvocationExpressionSyntax? TimedCall(LockCall call, InvocationExpressionSyntax invocation, SemanticModel model, TimeSpan timeout)
    {
        if (call.Timeout == TimeoutKind.Infinite && call.Operation == LockOperation.TryAcquire)
        {
            return WithTimeoutArgument(call, timeout);
        }

        if (invocation.Expression is not MemberAccessExpressionSyntax access || call.Timeout != TimeoutKind.None)
        {
            return null;
        }

        var arguments = invocation.ArgumentList.Arguments;
        var time = Argument(FixSyntax.Timeout(timeout));
        switch (call.Family, access.Name.Identifier.Text)
        {
            case (LockFamily.SemaphoreSlim, "Wait" or "WaitAsync"):
                var token = FixSyntax.CancellationToken(invocation, model, arguments.FirstOrDefault()?.Expression);
                return invocation.WithArgumentList(ArgumentList(SeparatedList(token is null ? new[] { time } : new[] { time, Argument(token) })));
            case (LockFamily.Monitor, "Enter") when arguments.Count == 1:
                return invocation.WithExpression(access.WithName(IdentifierName("TryEnter"))).WithArgumentList(ArgumentList(SeparatedList(new[] { arguments[0], time })));
            case (LockFamily.ReaderWriterLockSlim, var enter) when enter.StartsWith("Enter", StringComparison.Ordinal):
                return invocation.WithExpression(access.WithName(IdentifierName("Try" + enter))).WithArgumentList(ArgumentList(SingletonSeparatedList(time)));
            case (LockFamily.ThreadingLock, "Enter"):
                return invocation.WithExpression(access.WithName(IdentifierName("TryEnter"))).WithArgumentList(ArgumentList(SingletonSeparatedList(time)));
            case (LockFamily.Mutex or LockFamily.Semaphore, "WaitOne") when arguments.Count == 0:
                return invocation.WithArgumentList(ArgumentList(SingletonSeparatedList(time)));
            default:
                return null;
        }
    }

    private static bool ReleasesSameLock(InvocationExpressionSyntax release, LockCall acquire, SemanticModel model)
        => model.GetOperation(release) is IInvocationOperation operation
            && LockApis.Create(model.Compilation).Classify(operation) is { Operation: LockOperation.Release } call
            && call.TargetSymbol is { } target
            && SymbolEqualityComparer.Default.Equals(target, acquire.TargetSymbol);
}
