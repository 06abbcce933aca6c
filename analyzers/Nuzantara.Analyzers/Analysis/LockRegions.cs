using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>How a held lock excludes others: a read lock of a reader-writer lock excludes writers only.</summary>
internal enum HeldMode
{
    /// <summary>A <c>lock</c>, a mutex, a semaphore, an async lock: excludes every other holder.</summary>
    Exclusive,

    /// <summary>The read side of a reader-writer lock: other readers run beside it, so it guards reads only.</summary>
    Read,

    /// <summary>The write (or upgradeable) side of a reader-writer lock: excludes writers, so it guards writes.</summary>
    Write,
}

/// <summary>A lock held at some point of the code.</summary>
internal readonly struct HeldLock
{
    internal HeldLock(ISymbol? symbol, IOperation acquisition)
        : this(symbol, acquisition, HeldMode.Exclusive, key: null)
    {
    }

    internal HeldLock(ISymbol? symbol, IOperation acquisition, HeldMode mode, IOperation? key)
    {
        Symbol = symbol;
        Acquisition = acquisition;
        Mode = mode;
        Key = key;
    }

    /// <summary>Whether the lock excludes other writers: a read lock does not, so it never guards a write.</summary>
    internal bool ExcludesWriters => Mode != HeldMode.Read;

    /// <summary>How the lock is held.</summary>
    internal HeldMode Mode { get; }

    /// <summary>For a keyed lock (<c>KeyedAsyncLock&lt;TKey&gt;</c>): the key argument; the lock then excludes only holders of the same key.</summary>
    internal IOperation? Key { get; }

    /// <summary>Whether the lock is held because the method is marked <c>[RequiresLock]</c> (its callers hold it).</summary>
    internal bool IsRequiredByCaller => Acquisition is not (ILockOperation or IInvocationOperation);

    /// <summary>The field, property, local or parameter that names the lock; null when the lock expression names none.</summary>
    internal ISymbol? Symbol { get; }

    /// <summary>The <c>lock</c> statement or the acquiring call.</summary>
    internal IOperation Acquisition { get; }
}

/// <summary>
/// The lock regions the rules understand (ARCHITECTURE §3), answered as "which locks are held here": a <c>lock</c>
/// body; a <c>using</c> whose resource is an acquisition (<c>using (await x.LockAsync())</c>, <c>using var h = …</c>);
/// the true branch of <c>if (TryAcquire(…))</c> (the false one of <c>if (!TryAcquire(…))</c>); and the statements after an acquisition statement
/// (<c>s.Wait()</c>, <c>await s.WaitAsync(…)</c>, <c>Monitor.Enter(o)</c>, <c>if (!await s.WaitAsync(t)) return;</c>)
/// up to the statement that releases it — through a following <c>try</c> whose <c>finally</c> releases it.
/// </summary>
/// <remarks>
/// A lambda or local function body starts with nothing held: it runs when it is called, not where it is written. A
/// result kept in a local (<c>var ok = s.Wait(t);</c>) opens no region: whether the lock is held depends on the flow.
/// Each held lock carries its mode (a read lock of a reader-writer lock guards reads only; <c>lock</c> is exclusive)
/// and, for the runtime's keyed locks, its key; a <c>[RequiresLock(nameof(_gate))]</c> method's body holds <c>_gate</c>.
/// </remarks>
internal static class LockRegions
{
    /// <summary>The locks held where <paramref name="operation"/> runs, innermost first.</summary>
    internal static ImmutableArray<HeldLock> HeldAt(IOperation operation, LockApis apis)
    {
        var held = ImmutableArray.CreateBuilder<HeldLock>();
        var child = operation;
        for (var parent = operation.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    return held.ToImmutable();
                case ILockOperation lockStatement when child == lockStatement.Body:
                    held.Add(new HeldLock(LockApis.ReferencedSymbol(lockStatement.LockedValue), lockStatement));
                    break;
                case IUsingOperation usingStatement when child == usingStatement.Body:
                    foreach (var call in AcquisitionsIn(usingStatement.Resources, apis))
                    {
                        held.Add(Held(call));
                    }

                    break;
                case IConditionalOperation { WhenTrue: var whenTrue } conditional when child == whenTrue
                    && AcquisitionIn(conditional.Condition, apis) is { Operation: LockOperation.TryAcquire } attempt:
                    held.Add(Held(attempt));
                    break;
                case IConditionalOperation { WhenFalse: { } whenFalse, Condition: IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } negated } when child == whenFalse
                    && AcquisitionIn(negated.Operand, apis) is { Operation: LockOperation.TryAcquire } attempt:
                    held.Add(Held(attempt));
                    break;
                case IBlockOperation block:
                    AddHeldBySiblings(block, child, operation, apis, held);
                    break;
            }
        }

        // Outside any lambda or local function: the method's own [RequiresLock] declares locks its callers hold.
        AddRequiredByCaller(child, operation, held);
        return held.ToImmutable();
    }

    /// <summary>The lock a classified acquisition holds, with its mode and, for a keyed lock, its key.</summary>
    internal static HeldLock Held(LockCall call)
    {
        var mode = call.Mode switch
        {
            "read" => HeldMode.Read,
            "write" or "upgradeable" => HeldMode.Write,
            _ => HeldMode.Exclusive,
        };
        var parameters = call.Invocation.TargetMethod.Parameters;
        IOperation? key = null;
        if (call.Family == LockFamily.Nuzantara && parameters.Length > 0 && parameters[0].Name == "key")
        {
            key = call.Invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter, parameters[0]))?.Value;
        }

        return new HeldLock(call.TargetSymbol, call.Invocation, mode, key);
    }

    /// <summary>The locks a <c>[RequiresLock(nameof(_gate))]</c> method (or property) declares its callers hold.</summary>
    internal static ImmutableArray<ISymbol> RequiredLocks(ISymbol member)
    {
        var required = ImmutableArray.CreateBuilder<ISymbol>();
        var declarations = member is IMethodSymbol { AssociatedSymbol: { } property } ? new[] { member, property } : new[] { member };
        foreach (var declaration in declarations)
        {
            foreach (var attribute in declaration.GetAttributes())
            {
                if (IsNuzantaraAttribute(attribute, "RequiresLockAttribute")
                    && attribute.ConstructorArguments.FirstOrDefault().Value is string name
                    && FindMember(member.ContainingType, name) is { } lockMember)
                {
                    required.Add(lockMember);
                }
            }
        }

        return required.ToImmutable();
    }

    /// <summary>Whether an attribute is <c>Nuzantara.Concurrency.{name}</c>, matched by full name so that user code may declare its own.</summary>
    internal static bool IsNuzantaraAttribute(AttributeData attribute, string name)
        => attribute.AttributeClass is { } type && type.Name == name && type.ContainingNamespace?.ToDisplayString() == "Nuzantara.Concurrency";

    /// <summary>A field or property of a type or its bases, by name.</summary>
    internal static ISymbol? FindMember(INamedTypeSymbol? type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers(name))
            {
                if (member is IFieldSymbol or IPropertySymbol)
                {
                    return member;
                }
            }
        }

        return null;
    }

    private static void AddRequiredByCaller(IOperation root, IOperation operation, ImmutableArray<HeldLock>.Builder held)
    {
        if (operation.SemanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart) is not IMethodSymbol method)
        {
            return;
        }

        foreach (var required in RequiredLocks(method))
        {
            held.Add(new HeldLock(required, root, HeldMode.Exclusive, key: null));
        }
    }

    /// <summary>
    /// The lock call an expression makes, looking through conversions, <c>await</c>, <c>ConfigureAwait</c> and
    /// <c>_ = …</c>; null when it makes none or only releases.
    /// </summary>
    internal static LockCall? AcquisitionIn(IOperation? expression, LockApis apis)
    {
        while (true)
        {
            switch (expression)
            {
                case IConversionOperation conversion:
                    expression = conversion.Operand;
                    break;
                case IAwaitOperation awaited:
                    expression = awaited.Operation;
                    break;
                case ISimpleAssignmentOperation { Target: IDiscardOperation } discarded:
                    expression = discarded.Value;
                    break;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } task }:
                    expression = task;
                    break;
                case IInvocationOperation invocation:
                    return apis.Classify(invocation) is { Operation: not LockOperation.Release } call ? call : null;
                default:
                    return null;
            }
        }
    }

    /// <summary>Whether control never reaches the end of a statement: it returns, throws, breaks, continues or jumps.</summary>
    internal static bool Leaves(IOperation statement)
        => statement.SemanticModel is { } model
            && statement.Syntax is StatementSyntax syntax
            && model.AnalyzeControlFlow(syntax) is { Succeeded: true } flow
            && !flow.EndPointIsReachable;

    /// <summary>The lock a statement takes and keeps for the statements after it, if it is such a statement.</summary>
    private static LockCall? AcquiredFor(IOperation statement, LockApis apis)
        => statement switch
        {
            IExpressionStatementOperation expression => AcquisitionIn(expression.Operation, apis),
            IConditionalOperation { WhenFalse: null, Condition: IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } negated } check
                when AcquisitionIn(negated.Operand, apis) is { } attempt && Leaves(check.WhenTrue) => attempt,
            IUsingDeclarationOperation declaration => FirstOrNull(AcquisitionsIn(declaration.DeclarationGroup, apis)),
            _ => null,
        };

    private static void AddHeldBySiblings(IBlockOperation block, IOperation child, IOperation operation, LockApis apis, ImmutableArray<HeldLock>.Builder held)
    {
        var index = block.Operations.IndexOf(child);
        for (var i = index - 1; i >= 0; i--)
        {
            if (AcquiredFor(block.Operations[i], apis) is not { } call)
            {
                continue;
            }

            var releasedBetween = false;
            for (var between = i + 1; between < index && !releasedBetween; between++)
            {
                releasedBetween = Releases(block.Operations[between], call, apis);
            }

            if (!releasedBetween && (!Releases(child, call, apis) || IsGuardedBody(child, operation, call, apis)))
            {
                held.Add(Held(call));
            }
        }
    }

    /// <summary>Whether <paramref name="operation"/> runs in the protected part of a <c>try</c> whose <c>finally</c> releases the lock.</summary>
    private static bool IsGuardedBody(IOperation statement, IOperation operation, LockCall acquisition, LockApis apis)
    {
        if (statement is not ITryOperation { Finally: { } @finally } || !Releases(@finally, acquisition, apis))
        {
            return false;
        }

        for (var current = operation; current is not null && current != statement; current = current.Parent)
        {
            if (current == @finally)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Releases(IOperation statement, LockCall acquisition, LockApis apis)
    {
        if (acquisition.TargetSymbol is not { } target)
        {
            return false;
        }

        foreach (var descendant in statement.DescendantsAndSelf())
        {
            if (descendant is IInvocationOperation invocation
                && apis.Classify(invocation) is { Operation: LockOperation.Release } release
                && SymbolEqualityComparer.Default.Equals(release.TargetSymbol, target))
            {
                return true;
            }
        }

        return false;
    }

    private static ImmutableArray<LockCall> AcquisitionsIn(IOperation resources, LockApis apis)
    {
        if (resources is not IVariableDeclarationGroupOperation group)
        {
            return AcquisitionIn(resources, apis) is { } call ? ImmutableArray.Create(call) : ImmutableArray<LockCall>.Empty;
        }

        var calls = ImmutableArray.CreateBuilder<LockCall>();
        foreach (var declaration in group.Declarations)
        {
            foreach (var declarator in declaration.Declarators)
            {
                if (AcquisitionIn(declarator.Initializer?.Value, apis) is { } call)
                {
                    calls.Add(call);
                }
            }
        }

        return calls.ToImmutable();
    }

    private static LockCall? FirstOrNull(ImmutableArray<LockCall> calls) => calls.IsEmpty ? null : calls[0];
}
