using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
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

/// <summary>A lock held at some point of the code, as the shared-state rules need it: which lock, in which mode, for which key.</summary>
internal readonly struct HeldLock
{
    internal HeldLock(ISymbol? symbol, object region, HeldMode mode, IOperation? key, string name, bool isRequiredByCaller)
    {
        Symbol = symbol;
        Region = region;
        Mode = mode;
        Key = key;
        Name = name;
        IsRequiredByCaller = isRequiredByCaller;
    }

    /// <summary>The field, property, local or parameter that names the lock; the analysed type for "the caller's lock" of a <c>…Locked</c> method; null when the lock expression names none.</summary>
    internal ISymbol? Symbol { get; }

    /// <summary>The region's identity: two points hold the lock in one region when their regions are the same object.</summary>
    internal object Region { get; }

    internal HeldMode Mode { get; }

    /// <summary>For a keyed lock (<c>KeyedAsyncLock&lt;TKey&gt;</c>): the key argument; the lock then excludes only holders of the same key.</summary>
    internal IOperation? Key { get; }

    /// <summary>How messages name the lock: <c>_gate</c>, or <c>the caller's lock</c>.</summary>
    internal string Name { get; }

    /// <summary>Whether the lock is held because the callers hold it (<c>[RequiresLock]</c>, a helper every caller calls under it): it covers the whole body.</summary>
    internal bool IsRequiredByCaller { get; }

    /// <summary>Whether the lock excludes other writers: a read lock does not, so it never guards a write.</summary>
    internal bool ExcludesWriters => Mode != HeldMode.Read;

    /// <summary>The same lock, held for the whole of another body because every caller holds it there.</summary>
    internal HeldLock ForCallee(object body) => new(Symbol, body, Mode, Key, Name, isRequiredByCaller: true);
}

/// <summary>
/// The locks held at an access, for the shared-state rules (ARCHITECTURE §3): the lock regions of the body
/// (<see cref="LockRegions"/>) with their mode and key, and the locks a <c>[RequiresLock(nameof(_gate))]</c> method
/// declares its callers hold. Which locks a private helper inherits from its callers is the per-type question of
/// <see cref="TypeFacts"/>.
/// </summary>
internal static class GuardedAccess
{
    /// <summary>The locks held where <paramref name="operation"/> runs, innermost first; nothing inside a lambda or local function but its own regions.</summary>
    internal static ImmutableArray<HeldLock> HeldAt(IOperation operation, LockApis apis)
    {
        var held = ImmutableArray.CreateBuilder<HeldLock>();
        foreach (var region in LockRegions.HeldAt(operation, apis))
        {
            held.Add(Held(region));
        }

        if (TypeFacts.FlowRoot(operation).Parent is null
            && operation.SemanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart) is IMethodSymbol method)
        {
            var root = TypeFacts.BlockRoot(operation);
            foreach (var required in RequiredLocks(method))
            {
                held.Add(new HeldLock(required, root, HeldMode.Exclusive, key: null, required.Name, isRequiredByCaller: true));
            }
        }

        return held.ToImmutable();
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

    /// <summary>A region as a held lock: its mode and, for the runtime's keyed locks, the key it was taken for.</summary>
    private static HeldLock Held(LockRegion region)
    {
        var mode = region.Mode switch
        {
            "read" => HeldMode.Read,
            "write" or "upgradeable" => HeldMode.Write,
            _ => HeldMode.Exclusive,
        };
        IOperation? key = null;
        if (region.Acquire is { Family: LockFamily.Nuzantara } call && call.Invocation.TargetMethod.Parameters is { Length: > 0 } parameters && parameters[0].Name == "key")
        {
            key = call.Invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter, parameters[0]))?.Value;
        }

        var name = region.TargetSymbol?.Name ?? region.Target?.Syntax.ToString() ?? region.Describe();
        return new HeldLock(region.TargetSymbol, region, mode, key, name, isRequiredByCaller: false);
    }
}
