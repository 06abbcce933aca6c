using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>How the outcome of a timed acquisition gets lost.</summary>
internal enum ResultNeglect
{
    /// <summary>The result is a statement's value, or assigned to <c>_</c>.</summary>
    Dropped,

    /// <summary>The result is stored in a local that nothing reads.</summary>
    NeverRead,

    /// <summary>Every check of the result is an <c>if (!acquired)</c> whose branch carries on into the code after it.</summary>
    FallsThrough,

    /// <summary>A runtime handle whose <c>IsAcquired</c> nothing reads.</summary>
    HandleNeverChecked,
}

/// <summary>A timed acquisition whose result does not decide whether the code after it runs.</summary>
internal sealed class NeglectedResult
{
    internal NeglectedResult(ResultNeglect kind, LockCall call, IOperation result, ILocalSymbol? local = null, ImmutableArray<IConditionalOperation> checks = default)
    {
        Kind = kind;
        Call = call;
        Result = result;
        Local = local;
        Checks = checks.IsDefault ? ImmutableArray<IConditionalOperation>.Empty : checks;
    }

    internal ResultNeglect Kind { get; }

    internal LockCall Call { get; }

    /// <summary>The value the acquisition produces: the call, or the <c>await</c> of it.</summary>
    internal IOperation Result { get; }

    /// <summary>The local the result or handle is stored in, if any.</summary>
    internal ILocalSymbol? Local { get; }

    /// <summary>For <see cref="ResultNeglect.FallsThrough"/>: the <c>if (!acquired)</c> statements whose branch falls through.</summary>
    internal ImmutableArray<IConditionalOperation> Checks { get; }

    /// <summary>Whether the result is a bool (directly or awaited), as opposed to a runtime handle or an un-awaited task.</summary>
    internal bool IsBoolean => Result.Type?.SpecialType == SpecialType.System_Boolean;
}

/// <summary>Follows the result of a timed acquisition (a bool, or the runtime's <c>LockHandle.IsAcquired</c>) to where it is used.</summary>
/// <remarks>
/// Precise by construction: the result counts as used as soon as it goes anywhere this class does not follow — returned,
/// passed to a method, stored in a field or out parameter, combined with <c>&amp;&amp;</c> or a ternary, tested by a loop.
/// </remarks>
internal static class AcquisitionResults
{
    /// <summary>How the result of <paramref name="call"/> is neglected; null when it is used, or when the call returns nothing to check.</summary>
    internal static NeglectedResult? Inspect(LockCall call, LockApis apis)
    {
        // Without a timeout (Mutex.WaitOne()) or with an infinite one, the result is always true: nothing to check.
        if (call.Operation != LockOperation.TryAcquire
            || call.Timeout is TimeoutKind.None or TimeoutKind.Infinite
            || call.Invocation.TargetMethod.ReturnsVoid)
        {
            return null;
        }

        var result = Awaited(call.Invocation);
        if (result is null)
        {
            return null;
        }

        if (result.Type?.SpecialType == SpecialType.System_Boolean || result == call.Invocation)
        {
            return InspectBoolean(call, result, result);
        }

        return SymbolEqualityComparer.Default.Equals(result.Type, apis.LockHandle) ? InspectHandle(call, result) : null;
    }

    /// <summary>The awaited value of a task-returning call; the call itself when it returns the result directly or is dropped un-awaited.</summary>
    private static IOperation? Awaited(IInvocationOperation invocation)
    {
        if (invocation.TargetMethod.ReturnType.SpecialType == SpecialType.System_Boolean)
        {
            return invocation;
        }

        IOperation value = invocation;
        if (value.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configured && configured.Instance == value)
        {
            value = configured;
        }

        return value.Parent switch
        {
            IAwaitOperation awaited => awaited,
            IExpressionStatementOperation => invocation,
            _ => null,
        };
    }

    private static NeglectedResult? InspectBoolean(LockCall call, IOperation result, IOperation value)
    {
        var converted = SkipConversions(value);
        switch (converted.Parent)
        {
            case IExpressionStatementOperation:
            case ISimpleAssignmentOperation { Target: IDiscardOperation }:
                return new NeglectedResult(ResultNeglect.Dropped, call, result);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return InspectLocal(call, result, declarator.Symbol);
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when assignment.Value == converted:
                return InspectLocal(call, result, local.Local);
            default:
                return FallThroughCheck(converted) is { } check
                    ? new NeglectedResult(ResultNeglect.FallsThrough, call, result, checks: ImmutableArray.Create(check))
                    : null;
        }
    }

    private static NeglectedResult? InspectLocal(LockCall call, IOperation result, ILocalSymbol local)
    {
        var checks = ImmutableArray.CreateBuilder<IConditionalOperation>();
        foreach (var reference in References(result, local))
        {
            if (IsWrite(reference))
            {
                continue;
            }

            if (FallThroughCheck(reference) is not { } check)
            {
                return null;
            }

            checks.Add(check);
        }

        return checks.Count == 0
            ? new NeglectedResult(ResultNeglect.NeverRead, call, result, local)
            : new NeglectedResult(ResultNeglect.FallsThrough, call, result, local, checks.ToImmutable());
    }

    private static NeglectedResult? InspectHandle(LockCall call, IOperation result)
    {
        var use = SkipConversions(result).Parent;
        if (use is not IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator })
        {
            return use switch
            {
                IExpressionStatementOperation => new NeglectedResult(ResultNeglect.Dropped, call, result),
                IUsingOperation => new NeglectedResult(ResultNeglect.HandleNeverChecked, call, result),
                IPropertyReferenceOperation { Property.Name: "IsAcquired" } isAcquired => InspectBoolean(call, result, isAcquired),
                _ => null,
            };
        }

        var handle = declarator.Symbol;
        var checks = ImmutableArray.CreateBuilder<IConditionalOperation>();
        var checkedAnywhere = false;
        foreach (var reference in References(result, handle))
        {
            switch (SkipConversions(reference).Parent)
            {
                case IPropertyReferenceOperation { Property.Name: "IsAcquired" } isAcquired:
                    if (FallThroughCheck(isAcquired) is not { } check)
                    {
                        return null;
                    }

                    checks.Add(check);
                    checkedAnywhere = true;
                    break;
                case IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync" }:
                    break;
                default:
                    return null;
            }
        }

        return checkedAnywhere
            ? new NeglectedResult(ResultNeglect.FallsThrough, call, result, handle, checks.ToImmutable())
            : new NeglectedResult(ResultNeglect.HandleNeverChecked, call, result, handle);
    }

    /// <summary>
    /// The <c>if (!value)</c> around a read of the result, when its branch carries on into the code after it without
    /// recording the outcome: a branch that sets a flag (<c>acquired = false;</c>) hands it on to code that checks it.
    /// </summary>
    private static IConditionalOperation? FallThroughCheck(IOperation value)
    {
        var read = SkipConversions(value);
        return read.Parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } negated
            && negated.Parent is IConditionalOperation { WhenFalse: null, Type: null } check
            && check.Condition == negated
            && !LockRegions.Leaves(check.WhenTrue)
            && !SetsFlag(check.WhenTrue)
                ? check
                : null;
    }

    private static bool SetsFlag(IOperation branch)
    {
        foreach (var descendant in branch.Descendants())
        {
            if (descendant is ISimpleAssignmentOperation { Target.Type.SpecialType: SpecialType.System_Boolean })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The outermost implicit or explicit conversion of a value, whose parent is where the value is used.</summary>
    private static IOperation SkipConversions(IOperation value)
    {
        while (value.Parent is IConversionOperation conversion)
        {
            value = conversion;
        }

        return value;
    }

    private static bool IsWrite(ILocalReferenceOperation reference)
        => reference.Parent is IAssignmentOperation { Target: var target } && target == reference && reference.Parent is not ICompoundAssignmentOperation;

    /// <summary>Every reference to a local in the body that declares it, lambdas and local functions included.</summary>
    private static ImmutableArray<ILocalReferenceOperation> References(IOperation inside, ILocalSymbol local)
    {
        var root = inside;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var references = ImmutableArray.CreateBuilder<ILocalReferenceOperation>();
        foreach (var descendant in root.Descendants())
        {
            if (descendant is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                references.Add(reference);
            }
        }

        return references.ToImmutable();
    }
}
