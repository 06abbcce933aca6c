using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>How code touches a member.</summary>
internal enum AccessKind
{
    Read,

    /// <summary>A plain assignment: <c>_x = value</c>.</summary>
    Write,

    /// <summary>A read and a write in one operation: <c>_x++</c>, <c>_x += n</c>, <c>_x ??= value</c>.</summary>
    ReadWrite,

    /// <summary>Passed by <c>ref</c>/<c>out</c> (<c>Interlocked.Increment(ref _x)</c>): what happens is up to the callee.</summary>
    Reference,
}

/// <summary>A reference to a field or auto-property of the analysed type (or a base) on <c>this</c>, or to a static one.</summary>
internal sealed class MemberAccess
{
    internal MemberAccess(IOperation reference, ISymbol member, AccessKind kind, IOperation? writer)
    {
        Reference = reference;
        Member = member;
        Kind = kind;
        Writer = writer;
    }

    /// <summary>The <see cref="IFieldReferenceOperation"/> or <see cref="IPropertyReferenceOperation"/>.</summary>
    internal IOperation Reference { get; }

    /// <summary>The field or property (original definition).</summary>
    internal ISymbol Member { get; }

    internal AccessKind Kind { get; }

    /// <summary>For writes: the assignment or increment that writes.</summary>
    internal IOperation? Writer { get; }
}

/// <summary>An operation block of the analysed type and the member that owns it.</summary>
internal sealed class TypeBody
{
    internal TypeBody(ISymbol owner, IOperation root)
    {
        Owner = owner;
        Root = root;
    }

    /// <summary>The method, accessor, constructor, or the field/property whose initializer this is.</summary>
    internal ISymbol Owner { get; }

    internal IOperation Root { get; }
}

/// <summary>
/// The per-type half of the shared-state model, built once per type from all its operation blocks (a symbol-start
/// action collects them): the members it touches and how, which code is confined to one sequential flow, which locks
/// are held at an operation (including locks every caller of a private helper holds), and where the awaits are.
/// </summary>
/// <remarks>
/// Interprocedural reach: a private, non-virtual method that is never turned into a delegate inherits the locks held
/// at <em>all</em> its call sites in the type, and is confined when all its call sites are; both follow chains of
/// such private callers up to <see cref="MaxCallDepth"/> levels. Lambdas handed to anything but LINQ or
/// <c>List.ForEach</c> start a flow of their own: they hold no lock and are never confined.
/// </remarks>
internal sealed class TypeFacts
{
    /// <summary>How messages name the lock a <c>…Locked</c> method's callers hold.</summary>
    internal const string CallersLock = "the caller's lock";

    /// <summary>How many levels of private callers the lock and confinement questions follow.</summary>
    internal const int MaxCallDepth = 4;

    private readonly Dictionary<IOperation, ISymbol> _owners = new();
    private readonly Dictionary<IMethodSymbol, List<IInvocationOperation>> _callSites = new(SymbolEqualityComparer.Default);
    private readonly HashSet<IMethodSymbol> _escaping = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<IOperation, List<IOperation>> _awaits = new();
    // One symbol-end action builds and asks a TypeFacts: its memo tables need no thread safety.
    private readonly Dictionary<IMethodSymbol, bool> _confined = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<IMethodSymbol, ImmutableArray<HeldLock>> _inherited = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<IOperation, MemberAccess> _accessAt = new();
    private readonly Dictionary<ILocalSymbol, ISymbol?> _origins = new(SymbolEqualityComparer.Default);
    private readonly HashSet<IOperation> _indexedRoots = new();
    private readonly Dictionary<SyntaxTree, ISimpleAssignmentOperation[]> _assignments;
    private readonly Dictionary<IPropertySymbol, bool> _autoProperties = new(SymbolEqualityComparer.Default);

    internal TypeFacts(INamedTypeSymbol type, IEnumerable<TypeBody> bodies, LockApis apis, SharedState shared)
    {
        Type = type;
        Apis = apis;
        Shared = shared;
        Bodies = bodies.ToImmutableArray();
        var accesses = ImmutableArray.CreateBuilder<MemberAccess>();
        var invocations = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var conditionals = ImmutableArray.CreateBuilder<IConditionalOperation>();
        var coalesces = ImmutableArray.CreateBuilder<ICoalesceAssignmentOperation>();
        var assignments = new List<ISimpleAssignmentOperation>();
        foreach (var body in Bodies)
        {
            // The blocks handed to an operation-block action can sit below a method-body operation: key by the real root.
            _owners[BlockRoot(body.Root)] = body.Owner;
            foreach (var operation in body.Root.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IFieldReferenceOperation or IPropertyReferenceOperation when ToAccess(operation) is { } access:
                        accesses.Add(access);
                        break;
                    case IInvocationOperation invocation:
                        invocations.Add(invocation);
                        if (IsPrivateHelper(invocation.TargetMethod))
                        {
                            Add(_callSites, invocation.TargetMethod.OriginalDefinition, invocation);
                        }

                        break;
                    case IMethodReferenceOperation reference:
                        _escaping.Add(reference.Method.OriginalDefinition);
                        break;
                    case IAwaitOperation:
                        Add(_awaits, FlowRoot(operation), operation);
                        break;
                    case IForEachLoopOperation { IsAsynchronous: true }:
                        Add(_awaits, FlowRoot(operation), operation);
                        break;
                    case IConditionalOperation conditional:
                        conditionals.Add(conditional);
                        break;
                    case ICoalesceAssignmentOperation coalesce:
                        coalesces.Add(coalesce);
                        break;
                    case ISimpleAssignmentOperation { IsRef: false } assignment:
                        assignments.Add(assignment);
                        break;
                }
            }
        }

        Accesses = accesses.ToImmutable();
        foreach (var access in Accesses)
        {
            _accessAt[access.Reference] = access;
        }

        Invocations = invocations.ToImmutable();
        Conditionals = conditionals.ToImmutable();
        CoalesceAssignments = coalesces.ToImmutable();
        _assignments = assignments
            .GroupBy(a => a.Syntax.SyntaxTree)
            .ToDictionary(g => g.Key, g => g.OrderBy(a => a.Syntax.SpanStart).ToArray());
    }

    internal INamedTypeSymbol Type { get; }

    internal LockApis Apis { get; }

    internal SharedState Shared { get; }

    internal ImmutableArray<TypeBody> Bodies { get; }

    /// <summary>Every access to a field or auto-property of the type on <c>this</c> or to a static one, in source order per body.</summary>
    internal ImmutableArray<MemberAccess> Accesses { get; }

    /// <summary>Every invocation in the type's bodies.</summary>
    internal ImmutableArray<IInvocationOperation> Invocations { get; }

    /// <summary>Every <c>if</c> statement and conditional expression in the type's bodies.</summary>
    internal ImmutableArray<IConditionalOperation> Conditionals { get; }

    /// <summary>The plain assignments (<c>x = value</c>) inside an operation, found by position rather than by walking it.</summary>
    internal IEnumerable<ISimpleAssignmentOperation> AssignmentsIn(IOperation region)
    {
        if (!_assignments.TryGetValue(region.Syntax.SyntaxTree, out var sorted))
        {
            yield break;
        }

        var span = region.Syntax.Span;
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (sorted[middle].Syntax.SpanStart < span.Start)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        for (var i = low; i < sorted.Length && sorted[i].Syntax.SpanStart < span.End; i++)
        {
            if (span.Contains(sorted[i].Syntax.Span))
            {
                yield return sorted[i];
            }
        }
    }

    /// <summary>Every <c>x ??= value</c> in the type's bodies.</summary>
    internal ImmutableArray<ICoalesceAssignmentOperation> CoalesceAssignments { get; }

    /// <summary>The access an operation is, looking through conversions; null when it is no access to a member of the type on <c>this</c> or a static one.</summary>
    internal MemberAccess? AccessAt(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation is not null && _accessAt.TryGetValue(operation, out var access) ? access : null;
    }

    /// <summary>
    /// The member of the type a local's object comes from, when the local holds an object that other flows can reach
    /// through that member: <c>var f = _facts[id]</c>, <c>_facts.TryGetValue(id, out var f)</c>,
    /// <c>var f = _items.FirstOrDefault(…)</c>, <c>foreach (var f in _facts.Values)</c>, <c>var s = _state</c>. Values of
    /// value types are copies, and strings are immutable: neither is shared.
    /// </summary>
    internal ISymbol? SharedOrigin(ILocalSymbol local, IOperation within)
    {
        if (local.Type is not { IsReferenceType: true } || local.Type.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        if (!_origins.TryGetValue(local, out var origin))
        {
            // A lambda can use a local of the method around it: look in the lambda's flow first, then the whole body.
            IndexOrigins(FlowRoot(within));
            if (!_origins.TryGetValue(local, out origin))
            {
                IndexOrigins(BlockRoot(within));
                _origins.TryGetValue(local, out origin);
            }
        }

        return origin;
    }

    /// <summary>Records, in one walk of a flow, where each of its locals gets its object from.</summary>
    private void IndexOrigins(IOperation root)
    {
        if (!_indexedRoots.Add(root))
        {
            return;
        }

        foreach (var operation in root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation { Initializer: { } initializer } declarator when !_origins.ContainsKey(declarator.Symbol):
                    _origins[declarator.Symbol] = OriginOf(initializer.Value);
                    break;
                case IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared, Parent: IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "TryGetValue" or "TryRemove" or "TryPeek" or "TryDequeue" } lookup } }
                    when !_origins.ContainsKey(declared.Local):
                    _origins[declared.Local] = AccessAt(lookup.Instance)?.Member;
                    break;
                case IForEachLoopOperation loop:
                    foreach (var local in loop.Locals)
                    {
                        if (!_origins.ContainsKey(local))
                        {
                            _origins[local] = OriginOf(loop.Collection);
                        }
                    }

                    break;
            }
        }
    }

    private ISymbol? OriginOf(IOperation value)
    {
        while (value is IConversionOperation or IAwaitOperation)
        {
            value = value is IConversionOperation conversion ? conversion.Operand : ((IAwaitOperation)value).Operation;
        }

        switch (value)
        {
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer:
                return AccessAt(indexer.Instance)?.Member;
            case IPropertyReferenceOperation { Property.Name: "Values" or "Value" } view when AccessAt(view.Instance) is { } viewed:
                return viewed.Member;
            case IInvocationOperation { TargetMethod.Name: "GetValueOrDefault" or "GetOrAdd" or "Find" or "First" or "FirstOrDefault" or "Single" or "SingleOrDefault" or "Last" or "LastOrDefault" or "ElementAt" or "Peek" } lookup:
                var source = lookup.Instance ?? (lookup.Arguments.Length > 0 ? lookup.Arguments[0].Value : null);
                while (source is IConversionOperation conversion)
                {
                    source = conversion.Operand;
                }

                return source is IPropertyReferenceOperation { Property.Name: "Values" } values ? AccessAt(values.Instance)?.Member : AccessAt(source)?.Member;
            default:
                return AccessAt(value) is { Kind: AccessKind.Read } access ? access.Member : null;
        }
    }

    /// <summary>The code a condition guards: its branches, and what follows an <c>if</c> whose branch leaves (a guard clause).</summary>
    internal static IEnumerable<IOperation> GuardedBy(IConditionalOperation conditional)
    {
        yield return conditional.WhenTrue;
        if (conditional.WhenFalse is { } whenFalse)
        {
            yield return whenFalse;
        }
        else if (conditional.Parent is IBlockOperation block && EndsInJump(conditional.WhenTrue))
        {
            var index = block.Operations.IndexOf(conditional);
            for (var i = index + 1; i < block.Operations.Length; i++)
            {
                yield return block.Operations[i];
            }
        }
    }

    /// <summary>A guard clause's branch: it ends in <c>return</c>, <c>throw</c>, <c>break</c>, <c>continue</c> or <c>goto</c> (read from the operations, without a flow analysis).</summary>
    private static bool EndsInJump(IOperation branch)
    {
        while (branch is IBlockOperation block)
        {
            if (block.Operations.IsEmpty)
            {
                return false;
            }

            branch = block.Operations[block.Operations.Length - 1];
        }

        return branch is IReturnOperation or IBranchOperation or IExpressionStatementOperation { Operation: IThrowOperation } or IThrowOperation;
    }

    /// <summary>The innermost lambda or local function around an operation, or the root of its body: where its flow starts.</summary>
    internal static IOperation FlowRoot(IOperation operation)
    {
        var current = operation;
        for (var parent = operation.Parent; parent is not null; current = parent, parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return parent;
            }
        }

        return current;
    }

    /// <summary>The root of the whole operation block an operation sits in.</summary>
    internal static IOperation BlockRoot(IOperation operation)
    {
        var current = operation;
        while (current.Parent is not null)
        {
            current = current.Parent;
        }

        return current;
    }

    /// <summary>The member whose body holds an operation.</summary>
    internal ISymbol? OwnerOf(IOperation operation) => _owners.TryGetValue(BlockRoot(operation), out var owner) ? owner : null;

    /// <summary>How messages name the code an operation sits in: <c>'SaveAsync'</c>, <c>a lambda in 'Start'</c>.</summary>
    internal string Where(IOperation operation)
    {
        var owner = OwnerOf(operation);
        var name = owner switch
        {
            IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } => "the constructor",
            IMethodSymbol { AssociatedSymbol: { } property } => "'" + property.Name + "'",
            IMethodSymbol { Name: WellKnownMemberNames.TopLevelStatementsEntryPointMethodName } => "the top-level statements",
            null => "'" + Type.Name + "'",
            _ => "'" + owner.Name + "'",
        };
        return FlowRoot(operation) is IAnonymousFunctionOperation ? "a lambda in " + name : name;
    }

    /// <summary>
    /// Whether an operation runs in one sequential flow only, so it cannot race with itself: constructors and
    /// initializers, <c>Dispose</c>, a hosted service's <c>ExecuteAsync</c>, and private helpers only they call. For a
    /// static member only the static constructor and static initializers are confined: every instance's constructor
    /// can run at the same time as another's.
    /// </summary>
    internal bool IsConfined(IOperation operation, bool staticMember = false)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation lambda && !RunsInPlace(lambda))
            {
                return false;
            }
        }

        return OwnerOf(operation) switch
        {
            IMethodSymbol method when staticMember => method.MethodKind == MethodKind.StaticConstructor,
            IMethodSymbol method => IsConfined(method, 0),
            IFieldSymbol or IPropertySymbol when staticMember => OwnerOf(operation)!.IsStatic,
            IFieldSymbol or IPropertySymbol => true,
            _ => false,
        };
    }

    /// <summary>
    /// The locks held where an operation runs: its own lock regions, its method's <c>[RequiresLock]</c>, and the locks
    /// every caller holds when the operation sits in a private helper.
    /// </summary>
    internal ImmutableArray<HeldLock> HeldAt(IOperation operation) => HeldAt(operation, 0);

    /// <summary>The locks that guard a write of a member here: they exclude writers and are not per key.</summary>
    internal ImmutableArray<HeldLock> WriteGuardsAt(IOperation operation)
        => HeldAt(operation).Where(h => h.ExcludesWriters && h.Key is null).ToImmutableArray();

    /// <summary>
    /// Whether one region of a lock that excludes writers covers both operations (the same acquisition, or a lock every
    /// caller holds). A per-key lock counts only when <paramref name="perKey"/> says the state is reached by that key,
    /// or when its key is <paramref name="key"/>.
    /// </summary>
    internal bool OneRegionCovers(IOperation first, IOperation second, bool perKey = false, IOperation? key = null)
    {
        var atSecond = HeldAt(second).Where(h => h.ExcludesWriters).ToImmutableArray();
        foreach (var held in HeldAt(first))
        {
            if (held.ExcludesWriters
                && (perKey || held.Key is null || (key is not null && SameValue(held.Key, key)))
                && atSecond.Any(other => ReferenceEquals(other.Region, held.Region)
                    || (held.IsRequiredByCaller && other.IsRequiredByCaller && SymbolEqualityComparer.Default.Equals(held.Symbol, other.Symbol))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether two expressions denote the same value: the same local, parameter or field, the same constant, or the same expression without calls.</summary>
    internal static bool SameValue(IOperation first, IOperation second)
    {
        first = Unwrap(first);
        second = Unwrap(second);
        if (first.ConstantValue.HasValue || second.ConstantValue.HasValue)
        {
            return first.ConstantValue.HasValue && second.ConstantValue.HasValue && Equals(first.ConstantValue.Value, second.ConstantValue.Value);
        }

        var firstSymbol = LockApis.ReferencedSymbol(first);
        if (firstSymbol is not null)
        {
            return SymbolEqualityComparer.Default.Equals(firstSymbol, LockApis.ReferencedSymbol(second));
        }

        return !first.DescendantsAndSelf().Any(o => o is IInvocationOperation or IAwaitOperation or IObjectCreationOperation)
            && first.Syntax.IsEquivalentTo(second.Syntax, topLevel: false);
    }

    /// <summary>
    /// The writes that can race: assignments and updates of members of a type that is not thread-safe, outside confined
    /// code (<c>??=</c> is a check-then-act, NZ3002's; deconstruction writes whole values).
    /// </summary>
    internal IEnumerable<MemberAccess> ConcurrentWrites()
        => Accesses.Where(write => write.Kind is AccessKind.Write or AccessKind.ReadWrite
            && write.Writer is not (ICoalesceAssignmentOperation or IDeconstructionAssignmentOperation)
            && !IsSafeMember(write.Member)
            && !IsConfined(write.Reference, write.Member.IsStatic));

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>
    /// The first await that runs after <paramref name="from"/> and before <paramref name="to"/> completes, in the same
    /// flow (awaits in nested lambdas do not count); null when there is none.
    /// </summary>
    internal IOperation? AwaitBetween(IOperation from, IOperation to)
    {
        var root = FlowRoot(to);
        if (FlowRoot(from) != root || !_awaits.TryGetValue(root, out var awaits))
        {
            return null;
        }

        var start = from.Syntax.Span.End;
        var end = to.Syntax.Span.End;
        return awaits.Where(a => a.Syntax.SpanStart >= start && a.Syntax.SpanStart < end && a.Syntax.SyntaxTree == to.Syntax.SyntaxTree)
            .OrderBy(a => a.Syntax.SpanStart)
            .FirstOrDefault();
    }

    /// <summary>
    /// The member-level reason a write races, when the type's own code says the member needs a lock: another
    /// read-modify-write of it holds one (<c>'_total' is also written under '_gate' in 'SaveAsync'</c>). A plain write
    /// under a lock elsewhere is no such sign: whole-value writes do not lose updates.
    /// </summary>
    internal string? AlsoWrittenUnderLock(ISymbol member, IOperation except)
    {
        foreach (var access in Accesses)
        {
            if (access.Kind is AccessKind.Write or AccessKind.ReadWrite
                && access.Reference != except
                && SymbolEqualityComparer.Default.Equals(access.Member, member)
                && WriteGuardsAt(access.Reference) is { IsEmpty: false } guards
                && (access.Kind == AccessKind.ReadWrite || Updates.Of(access, this) is not null))
            {
                return $"'{member.Name}' is also written under '{Name(guards[0])}' in {Where(access.Reference)}";
            }
        }

        return null;
    }

    /// <summary>Whether a member holds nothing that flows share unsafely: <c>[ThreadStatic]</c>, or of a thread-safe type.</summary>
    internal bool IsSafeMember(ISymbol member)
        => IsThreadSafeType(TypeOf(member))
            || member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ThreadStaticAttribute");

    /// <summary>Whether values of a type are safe to share as they are: concurrent collections, <c>Lazy&lt;T&gt;</c>, thread-local holders, locks.</summary>
    internal bool IsThreadSafeType(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        var ns = named.ContainingNamespace?.ToDisplayString();
        var name = named.OriginalDefinition.MetadataName;
        return ns == "System.Collections.Concurrent"
            || (ns == "System" && name == "Lazy`1")
            || (ns == "System.Threading" && name is "ThreadLocal`1" or "AsyncLocal`1" or "CancellationTokenSource")
            || Apis.IsLockType(named);
    }

    /// <summary>The declared type of a field or property.</summary>
    internal static ITypeSymbol? TypeOf(ISymbol member) => member switch
    {
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };

    /// <summary>How a message quotes an await: <c>await LoadAsync(ct)</c>, shortened.</summary>
    internal static string Quote(IOperation operation)
    {
        var text = string.Join(" ", operation.Syntax.ToString().Split((char[]?)null, System.StringSplitOptions.RemoveEmptyEntries));
        if (operation is IForEachLoopOperation)
        {
            text = text.Substring(0, System.Math.Max(0, text.IndexOf(')') + 1));
        }

        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }

    /// <summary>The name of the lock, as messages write it.</summary>
    internal static string Name(HeldLock held) => held.Name;

    private ImmutableArray<HeldLock> HeldAt(IOperation operation, int depth)
    {
        var held = GuardedAccess.HeldAt(operation, Apis);
        if (FlowRoot(operation).Parent is not null || OwnerOf(operation) is not IMethodSymbol method)
        {
            return held;
        }

        if (IsNamedLocked(method))
        {
            return held.Add(new HeldLock(Type, BlockRoot(operation), HeldMode.Exclusive, key: null, CallersLock, isRequiredByCaller: true));
        }

        if (!IsAnalysableHelper(method))
        {
            return held;
        }

        var inherited = depth >= MaxCallDepth ? ImmutableArray<HeldLock>.Empty : Inherited(method.OriginalDefinition, depth);
        return inherited.IsEmpty ? held : held.AddRange(inherited.Where(i => !held.Any(h => SymbolEqualityComparer.Default.Equals(h.Symbol, i.Symbol))));
    }

    /// <summary>
    /// The common convention for a method its callers call with the lock held: <c>TryEnterLocked</c>,
    /// <c>FlushUnderLock</c>. Such a method holds "the caller's lock"; the analysis cannot name it.
    /// </summary>
    private static bool IsNamedLocked(IMethodSymbol method)
        => method.MethodKind == MethodKind.Ordinary
            && (method.Name.EndsWith("Locked", System.StringComparison.Ordinal) || method.Name.EndsWith("UnderLock", System.StringComparison.Ordinal))
            && !method.Name.EndsWith("Unlocked", System.StringComparison.Ordinal);

    /// <summary>
    /// The locks held at every call site of a private helper: the intersection by lock member and mode; when the
    /// sites hold different locks, one that stands for "some lock at every call site" (precision first: the helper
    /// was clearly written to run under a lock).
    /// </summary>
    private ImmutableArray<HeldLock> Inherited(IMethodSymbol method, int depth)
    {
        if (_inherited.TryGetValue(method, out var known))
        {
            return known;
        }

        // A cycle of helpers calling each other holds nothing it did not get from outside the cycle.
        _inherited[method] = ImmutableArray<HeldLock>.Empty;
        ImmutableArray<HeldLock>? common = null;
        var everySiteGuarded = true;
        foreach (var site in _callSites[method])
        {
            var atSite = HeldAt(site, depth + 1);
            everySiteGuarded &= atSite.Any(h => h.ExcludesWriters && h.Key is null);
            common = common is null
                ? atSite
                : common.Value.Where(c => atSite.Any(s => SymbolEqualityComparer.Default.Equals(s.Symbol, c.Symbol) && s.Symbol is not null && s.ExcludesWriters == c.ExcludesWriters && (s.Key is null) == (c.Key is null))).ToImmutableArray();
        }

        // The callers' regions cover the whole helper body: its root stands for the acquisition, so one region covers any two points in it.
        var helperRoot = Bodies.First(b => SymbolEqualityComparer.Default.Equals(b.Owner, method)).Root;
        var result = (common ?? ImmutableArray<HeldLock>.Empty)
            .Where(h => h.Symbol is not null)
            .Select(h => h.ForCallee(helperRoot))
            .ToImmutableArray();
        if (result.IsEmpty && everySiteGuarded && common is not null)
        {
            result = ImmutableArray.Create(new HeldLock(Type, helperRoot, HeldMode.Exclusive, key: null, CallersLock, isRequiredByCaller: true));
        }

        _inherited[method] = result;
        return result;
    }

    private bool IsConfined(IMethodSymbol method, int depth)
    {
        method = method.OriginalDefinition;
        if (SharedState.IsSequentialEntry(method))
        {
            return true;
        }

        if (!IsAnalysableHelper(method) || depth >= MaxCallDepth)
        {
            return false;
        }

        if (_confined.TryGetValue(method, out var known))
        {
            return known;
        }

        // Until proven otherwise (and for recursion): not confined.
        _confined[method] = false;
        var confined = _callSites[method].All(site => IsConfinedSite(site, depth + 1));
        _confined[method] = confined;
        return confined;
    }

    private bool IsConfinedSite(IOperation site, int depth)
    {
        for (var parent = site.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation lambda && !RunsInPlace(lambda))
            {
                return false;
            }
        }

        return OwnerOf(site) switch
        {
            IMethodSymbol caller => IsConfined(caller, depth),
            IFieldSymbol or IPropertySymbol => true,
            _ => false,
        };
    }

    /// <summary>A private helper whose callers are all visible: private, ordinary, not virtual, never made a delegate, called at least once.</summary>
    private bool IsAnalysableHelper(IMethodSymbol method)
        => IsPrivateHelper(method) && !_escaping.Contains(method.OriginalDefinition) && _callSites.ContainsKey(method.OriginalDefinition)
            && Bodies.Any(b => SymbolEqualityComparer.Default.Equals(b.Owner, method.OriginalDefinition));

    private bool IsPrivateHelper(IMethodSymbol method)
        => method.DeclaredAccessibility == Accessibility.Private
            && method.MethodKind == MethodKind.Ordinary
            && !method.IsVirtual && !method.IsAbstract && !method.IsOverride
            && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, Type.OriginalDefinition);

    /// <summary>A lambda that runs where it is written, in the caller's flow: LINQ to objects, <c>List.ForEach</c>, <c>Array.ForEach</c>.</summary>
    private static bool RunsInPlace(IAnonymousFunctionOperation lambda)
    {
        var parent = lambda.Parent;
        while (parent is IDelegateCreationOperation or IConversionOperation)
        {
            parent = parent.Parent;
        }

        if (parent is not IArgumentOperation { Parent: IInvocationOperation invocation })
        {
            return false;
        }

        var method = invocation.TargetMethod;
        var container = method.ContainingType?.ToDisplayString();
        return container == "System.Linq.Enumerable"
            || (method.Name == "ForEach" && (container == "System.Array" || method.ContainingType?.OriginalDefinition.ToDisplayString() == "System.Collections.Generic.List<T>"));
    }

    private MemberAccess? ToAccess(IOperation reference)
    {
        ISymbol member;
        IOperation? instance;
        switch (reference)
        {
            case IFieldReferenceOperation field when !field.Field.IsConst:
                member = field.Field.OriginalDefinition;
                instance = field.Instance;
                break;
            case IPropertyReferenceOperation { Property.IsIndexer: false } property when IsAutoPropertyCached(property.Property.OriginalDefinition):
                member = property.Property.OriginalDefinition;
                instance = property.Instance;
                break;
            default:
                return null;
        }

        if (!(instance is null ? member.IsStatic : instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            || !IsOwnOrInherited(member)
            || IsInNameOf(reference))
        {
            return null;
        }

        var (kind, writer) = Classify(reference);
        return new MemberAccess(reference, member, kind, writer);
    }

    /// <summary>Whether a reference is read, written, or both, and by which operation.</summary>
    internal static (AccessKind Kind, IOperation? Writer) Classify(IOperation reference)
    {
        switch (reference.Parent)
        {
            case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                return (assignment.IsRef ? AccessKind.Reference : AccessKind.Write, assignment);
            case ICompoundAssignmentOperation compound when compound.Target == reference:
                return (AccessKind.ReadWrite, compound);
            case ICoalesceAssignmentOperation coalesce when coalesce.Target == reference:
                return (AccessKind.ReadWrite, coalesce);
            case IIncrementOrDecrementOperation increment:
                return (AccessKind.ReadWrite, increment);
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out }:
                return (AccessKind.Reference, null);
            case ITupleOperation { Parent: IDeconstructionAssignmentOperation deconstruction } tuple when deconstruction.Target == tuple:
                return (AccessKind.Write, deconstruction);
            default:
                return (AccessKind.Read, null);
        }
    }

    private bool IsOwnOrInherited(ISymbol member)
    {
        for (var current = Type.OriginalDefinition; current is not null; current = current.BaseType?.OriginalDefinition)
        {
            if (SymbolEqualityComparer.Default.Equals(member.ContainingType?.OriginalDefinition, current))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInNameOf(IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is INameOfOperation)
            {
                return true;
            }
        }

        return false;
    }

    private bool IsAutoPropertyCached(IPropertySymbol property)
    {
        if (!_autoProperties.TryGetValue(property, out var auto))
        {
            _autoProperties[property] = auto = IsAutoProperty(property);
        }

        return auto;
    }

    /// <summary>An auto-property has a compiler-generated backing field: its accesses are state, other properties run code.</summary>
    internal static bool IsAutoProperty(IPropertySymbol property)
        => property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property.OriginalDefinition));

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key, TValue value)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = new List<TValue>();
        }

        list.Add(value);
    }
}
