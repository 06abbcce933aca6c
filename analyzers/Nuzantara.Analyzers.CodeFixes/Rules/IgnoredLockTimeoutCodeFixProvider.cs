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
using Nuzantara.Analyzers.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1002: leaves the critical section when the wait times out. A dropped or unread result becomes
/// <c>if (!acquired) { throw new LockTimeoutException(…); }</c>, a timeout branch that falls through gets the throw at
/// its end, and a runtime handle used only for disposal comes from the throwing <c>LockAsync</c> instead of
/// <c>TryLockAsync</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(IgnoredLockTimeoutCodeFixProvider))]
[Shared]
public sealed class IgnoredLockTimeoutCodeFixProvider : DocumentFixProvider
{
    private const string ThrowKey = "NZ1002.Throw";
    private const string ThrowingOverloadKey = "NZ1002.ThrowingOverload";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.IgnoredLockTimeout);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation
            || LockApis.Create(model.Compilation) is not { } apis
            || apis.Classify(operation) is not { } call
            || AcquisitionResults.Inspect(call, apis) is not { } neglect
            || model.Compilation.GetTypeByMetadataName(FixSyntax.RuntimeNamespace + ".LockTimeoutException") is null)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var plan = neglect.Kind switch
        {
            ResultNeglect.Dropped => PlanThrowInstead(neglect, invocation, apis),
            ResultNeglect.NeverRead => PlanThrowAfter(neglect, invocation, apis),
            ResultNeglect.FallsThrough => PlanThrowAtEndOfBranches(neglect, apis),
            _ => PlanThrowingOverload(neglect, invocation),
        };
        return plan is null ? ImmutableArray<FixPlan>.Empty : ImmutableArray.Create(plan);
    }

    /// <summary><c>await s.WaitAsync(t);</c> → <c>if (!await s.WaitAsync(t)) { throw …; }</c>.</summary>
    private static FixPlan? PlanThrowInstead(NeglectedResult neglect, InvocationExpressionSyntax invocation, LockApis apis)
    {
        if (!neglect.IsBoolean
            || invocation.FirstAncestorOrSelf<ExpressionStatementSyntax>() is not { Parent: BlockSyntax } statement
            || Throw(neglect.Call, apis) is not { } thrown)
        {
            return null;
        }

        var acquisition = statement.Expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.Text: "_" } } discard
            ? discard.Right
            : statement.Expression;
        return ThrowPlan(
            thrown.NeedsSystem,
            editor => editor.ReplaceNode(
                statement,
                IfStatement(PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, acquisition.WithoutTrivia()), Block(thrown.Statement))
                    .WithTriviaFrom(statement)));
    }

    /// <summary><c>var ok = s.Wait(t);</c> never read → <c>if (!ok) { throw …; }</c> right after it.</summary>
    private static FixPlan? PlanThrowAfter(NeglectedResult neglect, InvocationExpressionSyntax invocation, LockApis apis)
    {
        if (!neglect.IsBoolean
            || invocation.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax } statement
            || statement is not (LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0 } or ExpressionStatementSyntax)
            || Throw(neglect.Call, apis) is not { } thrown)
        {
            return null;
        }

        var check = IfStatement(PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, IdentifierName(neglect.Local!.Name)), Block(thrown.Statement));
        return ThrowPlan(thrown.NeedsSystem, editor => editor.InsertAfter(statement, check));
    }

    /// <summary><c>if (!ok) { _log.Warn(…); }</c> → <c>if (!ok) { _log.Warn(…); throw …; }</c>.</summary>
    private static FixPlan? PlanThrowAtEndOfBranches(NeglectedResult neglect, LockApis apis)
    {
        if (Throw(neglect.Call, apis) is not { } thrown)
        {
            return null;
        }

        var branches = neglect.Checks.Select(check => check.WhenTrue.Syntax).OfType<StatementSyntax>().ToImmutableArray();
        return ThrowPlan(thrown.NeedsSystem, editor =>
        {
            foreach (var branch in branches)
            {
                editor.ReplaceNode(branch, (current, _) => current is BlockSyntax block
                    ? block.AddStatements(thrown.Statement)
                    : Block((StatementSyntax)current.WithoutTrivia(), thrown.Statement).WithTriviaFrom(current));
            }
        });
    }

    /// <summary>
    /// <c>using (await l.TryLockAsync(k, t))</c> → <c>using (await l.LockAsync(k, t))</c>, which throws on timeout. Safe
    /// because nothing reads the handle's <c>IsAcquired</c>: it is only disposed.
    /// </summary>
    private static FixPlan? PlanThrowingOverload(NeglectedResult neglect, InvocationExpressionSyntax invocation)
    {
        var method = neglect.Call.Invocation.TargetMethod;
        if (invocation.Expression is not MemberAccessExpressionSyntax access
            || !method.Name.StartsWith("Try", StringComparison.Ordinal)
            || ThrowingOverload(method) is not { } throwing)
        {
            return null;
        }

        return new FixPlan(
            $"Use '{throwing.Name}', which throws LockTimeoutException on timeout",
            ThrowingOverloadKey,
            editor => editor.ReplaceNode(access.Name, IdentifierName(throwing.Name).WithTriviaFrom(access.Name)));
    }

    private static FixPlan ThrowPlan(bool needsSystem, Action<Microsoft.CodeAnalysis.Editing.DocumentEditor> apply)
        => needsSystem
            ? new FixPlan("Throw LockTimeoutException when the wait times out", ThrowKey, apply, "System", FixSyntax.RuntimeNamespace)
            : new FixPlan("Throw LockTimeoutException when the wait times out", ThrowKey, apply, FixSyntax.RuntimeNamespace);

    /// <summary>The throw statement, waiting as long as the call did; null when the timeout cannot be repeated safely.</summary>
    private static (ThrowStatementSyntax Statement, bool NeedsSystem)? Throw(LockCall call, LockApis apis)
        => Waited(call, apis) is { } waited ? (FixSyntax.ThrowTimeout(call, waited.Expression), waited.NeedsSystem) : null;

    /// <summary>
    /// The call's timeout as a TimeSpan expression: the argument itself when it already is one and reading it again
    /// has no side effects; milliseconds converted; <c>TimeSpan.Zero</c> for a probe without argument.
    /// </summary>
    private static (ExpressionSyntax Expression, bool NeedsSystem)? Waited(LockCall call, LockApis apis)
    {
        var argument = apis.TimeoutArgument(call.Invocation);
        if (argument is null)
        {
            return (ZeroTimeSpan(), true);
        }

        var value = argument.Value;
        if (!IsRepeatable(value) || value.Syntax is not ExpressionSyntax expression)
        {
            return null;
        }

        if (argument.Parameter!.Type.SpecialType != SpecialType.System_Int32)
        {
            return (expression.WithoutTrivia(), false);
        }

        if (value.ConstantValue is { HasValue: true, Value: int milliseconds })
        {
            return (milliseconds == 0 ? ZeroTimeSpan() : FixSyntax.Timeout(TimeSpan.FromMilliseconds(milliseconds)), true);
        }

        return (InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("TimeSpan"), IdentifierName("FromMilliseconds")),
            ArgumentList(SingletonSeparatedList(Argument(expression.WithoutTrivia())))), true);
    }

    private static MemberAccessExpressionSyntax ZeroTimeSpan()
        => MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("TimeSpan"), IdentifierName("Zero"));

    /// <summary>Constants, variables, fields, properties and <c>TimeSpan.FromX(…)</c> of those: safe to evaluate twice.</summary>
    private static bool IsRepeatable(IOperation value)
        => value switch
        {
            _ when value.ConstantValue.HasValue => true,
            IConversionOperation conversion => IsRepeatable(conversion.Operand),
            ILocalReferenceOperation or IParameterReferenceOperation or IInstanceReferenceOperation => true,
            IFieldReferenceOperation field => field.Instance is null || IsRepeatable(field.Instance),
            IPropertyReferenceOperation { Arguments.IsEmpty: true } property => property.Instance is null || IsRepeatable(property.Instance),
            IInvocationOperation { Instance: null, TargetMethod: { Name: var name, ContainingType.Name: "TimeSpan" } } factory
                when name.StartsWith("From", StringComparison.Ordinal) => factory.Arguments.All(a => IsRepeatable(a.Value)),
            _ => false,
        };

    /// <summary><c>TryLockAsync(key, timeout, ct)</c> → <c>LockAsync(key, timeout, ct)</c>: same parameters, throws instead of reporting.</summary>
    private static IMethodSymbol? ThrowingOverload(IMethodSymbol method)
    {
        var name = method.Name.Substring("Try".Length);
        return method.ContainingType.GetMembers(name).OfType<IMethodSymbol>().FirstOrDefault(candidate =>
            candidate.Parameters.Length == method.Parameters.Length
            && candidate.Parameters.Zip(method.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same)
            && SymbolEqualityComparer.Default.Equals(candidate.ReturnType, method.ReturnType));
    }
}
