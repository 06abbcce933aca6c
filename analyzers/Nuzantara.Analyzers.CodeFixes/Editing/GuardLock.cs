using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Rules;

namespace Nuzantara.Analyzers.Editing;

/// <summary>How a guard takes its lock.</summary>
internal enum GuardShape
{
    /// <summary>The runtime's <c>AsyncLock</c>: <c>using (await _gate.LockAsync(ct))</c>.</summary>
    AsyncLock,

    /// <summary>Nito.AsyncEx's <c>AsyncLock</c>: <c>using (await _mutex.LockAsync(ct))</c>.</summary>
    NitoAsyncLock,

    /// <summary>A <c>SemaphoreSlim(1, 1)</c>: <c>using (await _sem.AcquireAsync(timeout, ct))</c>.</summary>
    Semaphore,

    /// <summary>The runtime's <c>AsyncReaderWriterLock</c>, for writing: <c>using (await _rw.WriteLockAsync(ct))</c>.</summary>
    ReaderWriter,

    /// <summary>Nito.AsyncEx's <c>AsyncReaderWriterLock</c>, for writing: <c>using (await _rw.WriterLockAsync(ct))</c>.</summary>
    NitoReaderWriter,

    /// <summary>An object or <c>System.Threading.Lock</c> used with <c>lock</c>: <c>lock (_sync) { … }</c>.</summary>
    Monitor,

    /// <summary>The runtime's <c>KeyedAsyncLock&lt;TKey&gt;</c>: <c>using (await _userIdLocks.LockAsync(userId, ct))</c>.</summary>
    Keyed,
}

/// <summary>The lock a guard takes: a member of the type, existing or to be inserted.</summary>
internal sealed class GuardLock
{
    internal GuardLock(string name, GuardShape shape, bool isStatic, ISymbol? existing, ITypeSymbol? keyType = null, string? key = null)
    {
        Name = name;
        Shape = shape;
        IsStatic = isStatic;
        Existing = existing;
        KeyType = keyType;
        Key = key;
    }

    internal string Name { get; }

    internal GuardShape Shape { get; }

    internal bool IsStatic { get; }

    /// <summary>The field or property when the type already has the lock; null when the fix inserts it.</summary>
    internal ISymbol? Existing { get; }

    internal bool IsNew => Existing is null;

    /// <summary>For a keyed lock: the key's type and the parameter that holds the key.</summary>
    internal ITypeSymbol? KeyType { get; }

    internal string? Key { get; }

    internal bool IsAsync => Shape != GuardShape.Monitor;

    /// <summary>Guards with the same identity in one type are the same lock: they merge rather than nest.</summary>
    internal string Identity => Name + "|" + Key;

    /// <summary>What the action's title calls the lock: <c>'_gate'</c>, <c>a keyed lock on 'userId'</c>.</summary>
    internal string Describe() => Shape == GuardShape.Keyed ? $"a keyed lock on '{Key}'" : $"'{Name}'";
}

/// <summary>
/// Picks the lock for a span. The lock that already guards the state elsewhere in the type wins (anything else would
/// not exclude those accesses); else the type's own lock when it fits the span; else a new <c>AsyncLock</c>. A lock
/// the span would take a second time (it calls a method of the type that takes it, or runs under it) is never chosen:
/// these locks are not reentrant.
/// </summary>
internal sealed class GuardLocks
{
    private const string Runtime = FixSyntax.RuntimeNamespace;
    private static readonly string[] KeySuffixes = { "Id", "Key", "Name", "Email" };

    private readonly GuardSpan _span;
    private readonly SemanticModel _model;
    private readonly LockApis _apis;
    private readonly CancellationToken _cancellationToken;
    private readonly ImmutableArray<(ISymbol Symbol, GuardShape Shape)> _candidates;
    private readonly INamedTypeSymbol? _runtimeLock;
    private readonly INamedTypeSymbol? _keyedLock;

    internal GuardLocks(GuardSpan span, SemanticModel model, CancellationToken cancellationToken)
    {
        _span = span;
        _model = model;
        _apis = LockApis.Create(model.Compilation);
        _cancellationToken = cancellationToken;
        _runtimeLock = model.Compilation.GetTypeByMetadataName(Runtime + ".AsyncLock");
        _keyedLock = model.Compilation.GetTypeByMetadataName(Runtime + ".KeyedAsyncLock`1");
        _candidates = Candidates();
        Guarding = GuardingLocks();
        CalledMethods = Called(span.Nodes);
    }

    /// <summary>Locks held at the state's other accesses in the type, most used first, with the key text of keyed ones.</summary>
    internal ImmutableArray<(ISymbol Symbol, string? Key)> Guarding { get; }

    /// <summary>Methods of the type the span calls, directly or through each other.</summary>
    internal ImmutableHashSet<IMethodSymbol> CalledMethods { get; }

    /// <summary>The exclusive (unkeyed) lock for the span; null when none fits safely.</summary>
    internal GuardLock? Exclusive()
    {
        var exclusive = Guarding.Where(g => g.Key is null).ToList();
        if (exclusive.Count > 0)
        {
            // Only the lock that guards the state elsewhere excludes those accesses; when it cannot be taken here, no fix.
            var guarding = Candidate(exclusive[0].Symbol);
            return guarding is { } found && found.Shape != GuardShape.Keyed && Fits(found.Shape) && IsSafe(found.Symbol) ? Lock(found.Symbol, found.Shape) : null;
        }

        if (!Guarding.IsEmpty && _span.Anchors.All(a => a.Root is ILocalSymbol))
        {
            // State reached by key and guarded by a keyed lock elsewhere: a lock of the whole type would not exclude those.
            return null;
        }

        var preferred = _candidates
            .Where(c => c.Shape != GuardShape.Keyed && Fits(c.Shape) && IsSafe(c.Symbol))
            .OrderBy(c => c.Shape == GuardShape.Monitor == _span.IsAsync ? 1 : 0)
            .FirstOrDefault();
        if (preferred.Symbol is not null)
        {
            return Lock(preferred.Symbol, preferred.Shape);
        }

        if (!CanInsertField())
        {
            return null;
        }

        if (!_span.IsAsync && !_span.HasAwait && OnlySynchronousCodeTouchesTheState())
        {
            // Synchronous code only: a plain lock fits, and no async caller will ever need to share it.
            return new GuardLock(FreeName("_sync"), GuardShape.Monitor, _span.NeedsStaticLock, existing: null);
        }

        return _runtimeLock is not null && Fits(GuardShape.AsyncLock)
            ? new GuardLock(FreeName("_gate"), GuardShape.AsyncLock, _span.NeedsStaticLock, existing: null)
            : null;
    }

    /// <summary>Whether every access in the type to the state the span writes is in synchronous code.</summary>
    private bool OnlySynchronousCodeTouchesTheState()
    {
        var members = new HashSet<ISymbol>(_span.Anchors.Select(a => a.Member), SymbolEqualityComparer.Default);
        foreach (var (name, model) in TypeNodes<SimpleNameSyntax>())
        {
            if (members.Any(m => m.Name == name.Identifier.ValueText)
                && model.GetSymbolInfo(name, _cancellationToken).Symbol is { } symbol
                && members.Contains(symbol.OriginalDefinition)
                && GuardSpan.EnclosingFunction(name) is { } function
                && GuardSpan.SymbolOf(function, model, _cancellationToken) is { IsAsync: true })
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A keyed lock on an obvious key parameter when the state the span touches is partitioned by it; null otherwise.</summary>
    internal GuardLock? Keyed()
    {
        if (!_span.IsAsync || _keyedLock is null || GuardSyntax.InsideLockStatement(_span) || KeyParameter() is not { } key)
        {
            return null;
        }

        if (!Guarding.IsEmpty)
        {
            // The state is already guarded: only the same keyed lock on the same key keeps excluding those accesses.
            var (symbol, guardKey) = Guarding[0];
            return Guarding.All(g => g.Key is not null) && guardKey == key.Name && Candidate(symbol) is { Shape: GuardShape.Keyed } keyed && IsSafe(symbol)
                ? Lock(keyed.Symbol, keyed.Shape, key)
                : null;
        }

        foreach (var (symbol, shape) in _candidates)
        {
            if (shape == GuardShape.Keyed
                && TypeFacts.TypeOf(symbol) is INamedTypeSymbol { TypeArguments.Length: 1 } keyed
                && SymbolEqualityComparer.Default.Equals(keyed.TypeArguments[0], key.Type)
                && KeyedCallsIn(symbol).Contains(key.Name)
                && IsSafe(symbol))
            {
                return Lock(symbol, shape, key);
            }
        }

        return CanInsertField()
            ? new GuardLock(FreeName("_" + key.Name + "Locks"), GuardShape.Keyed, _span.NeedsStaticLock, existing: null, key.Type, key.Name)
            : null;
    }

    private (ISymbol Symbol, GuardShape Shape)? Candidate(ISymbol symbol)
    {
        foreach (var candidate in _candidates)
        {
            if (SymbolEqualityComparer.Default.Equals(candidate.Symbol, symbol))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Whether the lock's shape can be taken around the span as the code stands, or once the method is made async.</summary>
    private bool Fits(GuardShape shape)
        => shape == GuardShape.Monitor
            ? !_span.HasAwait
            : !GuardSyntax.InsideLockStatement(_span) && !RefLocalLiveAcrossGuard() && (_span.IsAsync || MakeAsync.CanApply(_span, _model, _cancellationToken));

    /// <summary>
    /// Whether a <c>ref</c> local or one of a ref struct type (<c>Span&lt;T&gt;</c>) declared before the span is used
    /// from its start on: the guard's <c>await</c> would then split its lifetime, which C# forbids.
    /// </summary>
    private bool RefLocalLiveAcrossGuard()
    {
        var start = _span.Span.Start;
        var refLocals = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var declarator in _span.Function.DescendantNodes().OfType<VariableDeclaratorSyntax>().Where(d => d.SpanStart < start))
        {
            if (_model.GetDeclaredSymbol(declarator, _cancellationToken) is ILocalSymbol { } local && (local.IsRef || local.Type.IsRefLikeType))
            {
                refLocals.Add(local);
            }
        }

        return refLocals.Count > 0
            && _span.Function.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Any(n => n.SpanStart >= start && _model.GetSymbolInfo(n, _cancellationToken).Symbol is { } symbol && refLocals.Contains(symbol));
    }

    private static GuardLock Lock(ISymbol symbol, GuardShape shape, IParameterSymbol? key = null)
        => new(symbol.Name, shape, symbol.IsStatic, symbol, key?.Type, key?.Name);

    private bool CanInsertField()
        => _span.ContainingType.DeclaringSyntaxReferences.Length == 1
            && _span.ContainingType.TypeKind == TypeKind.Class
            && _span.ContainingType.DeclaringSyntaxReferences[0].SyntaxTree == _model.SyntaxTree;

    /// <summary>
    /// A member name the type does not use yet. Only the type decides, so that every span of the type picks the same
    /// name and shares one field; a local that hides it is handled by qualifying the guard (<c>this._gate</c>).
    /// </summary>
    private string FreeName(string preferred)
    {
        var taken = new HashSet<string>(AllMembers(_span.ContainingType).Select(m => m.Name), StringComparer.Ordinal);
        var name = preferred;
        for (var suffix = 2; taken.Contains(name); suffix++)
        {
            name = preferred + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return name;
    }

    private static IEnumerable<ISymbol> AllMembers(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                yield return member;
            }
        }
    }

    /// <summary>The type's own lock members, with the way each is taken; instance ones only where an instance exists.</summary>
    private ImmutableArray<(ISymbol Symbol, GuardShape Shape)> Candidates()
    {
        var candidates = ImmutableArray.CreateBuilder<(ISymbol, GuardShape)>();
        var locked = LockStatementTargets();
        foreach (var member in _span.ContainingType.GetMembers())
        {
            if (member is not (IFieldSymbol or IPropertySymbol) || member.IsImplicitlyDeclared || (!member.IsStatic && _span.NeedsStaticLock))
            {
                continue;
            }

            var shape = TypeFacts.TypeOf(member) is INamedTypeSymbol type ? ShapeOf(member, type, locked) : null;
            if (shape is { } found)
            {
                candidates.Add((member, found));
            }
        }

        return candidates.ToImmutable();
    }

    private GuardShape? ShapeOf(ISymbol member, INamedTypeSymbol type, HashSet<ISymbol> locked)
    {
        var name = type.OriginalDefinition.ToDisplayString();
        return name switch
        {
            Runtime + ".AsyncLock" => GuardShape.AsyncLock,
            Runtime + ".AsyncReaderWriterLock" => GuardShape.ReaderWriter,
            Runtime + ".KeyedAsyncLock<TKey>" => GuardShape.Keyed,
            "Nito.AsyncEx.AsyncLock" => GuardShape.NitoAsyncLock,
            "Nito.AsyncEx.AsyncReaderWriterLock" => GuardShape.NitoReaderWriter,
            "System.Threading.SemaphoreSlim" => IsMutex(member) && _model.Compilation.GetTypeByMetadataName(Runtime + ".SemaphoreSlimExtensions") is not null ? GuardShape.Semaphore : null,
            "System.Threading.Lock" => GuardShape.Monitor,
            _ => type.IsReferenceType && locked.Contains(member) ? GuardShape.Monitor : null,
        };
    }

    /// <summary>
    /// Fields the type locks as monitors: in <c>lock (…)</c> statements or with <c>Monitor.Enter</c>, which a
    /// <c>lock</c> statement also takes, and objects a <c>[GuardedBy]</c> attribute names.
    /// </summary>
    private HashSet<ISymbol> LockStatementTargets()
    {
        var targets = new HashSet<ISymbol>(
            _span.ContainingType.GetMembers().Select(InconsistentLockingAnalyzer.GuardOf).OfType<ISymbol>(),
            SymbolEqualityComparer.Default);
        foreach (var (node, model) in TypeNodes<LockStatementSyntax>())
        {
            if (model.GetSymbolInfo(node.Expression, _cancellationToken).Symbol is IFieldSymbol field)
            {
                targets.Add(field);
            }
        }

        foreach (var (invocation, model) in TypeNodes<InvocationExpressionSyntax>())
        {
            if (model.GetOperation(invocation, _cancellationToken) is IInvocationOperation operation
                && _apis.Classify(operation) is { Family: LockFamily.Monitor, TargetSymbol: IFieldSymbol field })
            {
                targets.Add(field);
            }
        }

        return targets;
    }

    /// <summary>A semaphore that admits one holder: every construction of it starts with a count of 1.</summary>
    private bool IsMutex(ISymbol member)
    {
        var creations = new List<IObjectCreationOperation>();
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(_cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value }
                && Model(value.SyntaxTree).GetOperation(value, _cancellationToken) is { } initializer)
            {
                creations.AddRange(Creations(initializer));
            }
        }

        foreach (var (assignment, model) in TypeNodes<AssignmentExpressionSyntax>())
        {
            if (model.GetOperation(assignment, _cancellationToken) is ISimpleAssignmentOperation { Target: IMemberReferenceOperation target } operation
                && SymbolEqualityComparer.Default.Equals(target.Member, member))
            {
                creations.AddRange(Creations(operation.Value));
            }
        }

        return creations.Count > 0
            && creations.All(c => c.Arguments.Length >= 1 && c.Arguments[0].Value.ConstantValue is { HasValue: true, Value: 1 }
                && (c.Arguments.Length == 1 || c.Arguments[1].Value.ConstantValue is { HasValue: true, Value: 1 }));
    }

    private static IEnumerable<IObjectCreationOperation> Creations(IOperation value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        return value is IObjectCreationOperation creation ? new[] { creation } : Enumerable.Empty<IObjectCreationOperation>();
    }

    /// <summary>
    /// The locks of the type held where it touches the span's state outside the span, most used first, with the key of
    /// keyed ones. Every lock counts, also those the guard cannot take (a <c>ReaderWriterLockSlim</c>): then there is no
    /// fix rather than a second lock that would not exclude the first.
    /// </summary>
    private ImmutableArray<(ISymbol Symbol, string? Key)> GuardingLocks()
    {
        var members = new HashSet<ISymbol>(_span.Anchors.Select(a => a.Member), SymbolEqualityComparer.Default);
        var declared = members.Select(InconsistentLockingAnalyzer.GuardOf).OfType<ISymbol>().Distinct<ISymbol>(SymbolEqualityComparer.Default).ToList();
        if (declared.Count > 0)
        {
            // [GuardedBy(nameof(_gate))] says which lock guards the member, whatever the code does so far.
            return declared.Select(d => (d, (string?)null)).ToImmutableArray();
        }

        var counts = new Dictionary<(ISymbol Symbol, string? Key), int>();
        var order = new List<(ISymbol Symbol, string? Key)>();
        foreach (var (name, model) in TypeNodes<SimpleNameSyntax>())
        {
            if (!members.Any(m => m.Name == name.Identifier.ValueText)
                || (name.SyntaxTree == _model.SyntaxTree && _span.Span.Contains(name.Span))
                || model.GetOperation(name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name, _cancellationToken) is not IMemberReferenceOperation reference
                || !members.Contains(reference.Member))
            {
                continue;
            }

            foreach (var held in GuardedAccess.HeldAt(reference, _apis))
            {
                if (held.Symbol is not (IFieldSymbol or IPropertySymbol) || !SymbolEqualityComparer.Default.Equals(held.Symbol.ContainingType, _span.ContainingType))
                {
                    continue;
                }

                var entry = (held.Symbol, held.Key?.Syntax.ToString());
                if (!counts.TryGetValue(entry, out var count))
                {
                    order.Add(entry);
                }

                counts[entry] = count + 1;
            }
        }

        return order.OrderByDescending(e => counts[e]).ToImmutableArray();
    }

    /// <summary>Whether taking the lock around the span cannot deadlock on itself; a monitor is reentrant, the async locks are not.</summary>
    private bool IsSafe(ISymbol lockSymbol)
        => Candidate(lockSymbol) is { Shape: GuardShape.Monitor }
            || !AcquiresElsewhere(_span.Nodes, lockSymbol)
            && !CalledMethods.Any(m => MethodBodies(m).Any(body => Acquires(body, lockSymbol)))
            && !RunsUnder(_span.FunctionSymbol, lockSymbol, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));

    /// <summary>Acquisitions of the lock inside the span other than <c>using</c>/<c>lock</c> blocks, which the guard absorbs.</summary>
    private bool AcquiresElsewhere(IEnumerable<SyntaxNode> nodes, ISymbol lockSymbol)
    {
        foreach (var node in nodes)
        {
            foreach (var invocation in node.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
            {
                if (Model(invocation.SyntaxTree).GetOperation(invocation, _cancellationToken) is IInvocationOperation operation
                    && _apis.Classify(operation) is { } call
                    && SymbolEqualityComparer.Default.Equals(call.TargetSymbol, lockSymbol)
                    && !IsAbsorbable(invocation))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>using (await lock.X(…)) { … }</c> with a block body: the guard can unwrap it.</summary>
    private static bool IsAbsorbable(InvocationExpressionSyntax invocation)
    {
        SyntaxNode node = invocation;
        if (node.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured })
        {
            node = configured;
        }

        return node.Parent is AwaitExpressionSyntax { Parent: UsingStatementSyntax { Statement: BlockSyntax } };
    }

    private bool Acquires(SyntaxNode body, ISymbol lockSymbol)
    {
        var model = Model(body.SyntaxTree);
        foreach (var node in body.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case InvocationExpressionSyntax invocation when model.GetOperation(invocation, _cancellationToken) is IInvocationOperation operation
                    && _apis.Classify(operation) is { Operation: not LockOperation.Release } call
                    && SymbolEqualityComparer.Default.Equals(call.TargetSymbol, lockSymbol):
                    return true;
                case LockStatementSyntax statement when SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(statement.Expression, _cancellationToken).Symbol, lockSymbol):
                    return true;
            }
        }

        return false;
    }

    /// <summary>Whether the method is called, directly or through the type's other methods, where the lock is held.</summary>
    private bool RunsUnder(IMethodSymbol method, ISymbol lockSymbol, HashSet<IMethodSymbol> visited)
    {
        if (method.MethodKind is MethodKind.AnonymousFunction or MethodKind.LocalFunction || !visited.Add(method.OriginalDefinition))
        {
            return false;
        }

        foreach (var (invocation, model) in TypeNodes<InvocationExpressionSyntax>())
        {
            if (model.GetOperation(invocation, _cancellationToken) is not IInvocationOperation operation
                || !SymbolEqualityComparer.Default.Equals(operation.TargetMethod.OriginalDefinition, method.OriginalDefinition))
            {
                continue;
            }

            if (GuardedAccess.HeldAt(operation, _apis).Any(h => SymbolEqualityComparer.Default.Equals(h.Symbol, lockSymbol)))
            {
                return true;
            }

            if (GuardSpan.EnclosingFunction(invocation) is { } caller
                && GuardSpan.SymbolOf(caller, model, _cancellationToken) is { } callerSymbol
                && RunsUnder(callerSymbol, lockSymbol, visited))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The type's methods that the nodes call, followed through the calls those methods make.</summary>
    private ImmutableHashSet<IMethodSymbol> Called(IEnumerable<SyntaxNode> nodes)
    {
        var called = ImmutableHashSet.CreateBuilder<IMethodSymbol>(SymbolEqualityComparer.Default);
        var pending = new Stack<SyntaxNode>(nodes);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            var model = Model(node.SyntaxTree);
            foreach (var invocation in node.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
            {
                if (model.GetSymbolInfo(invocation, _cancellationToken).Symbol is IMethodSymbol target
                    && SymbolEqualityComparer.Default.Equals(target.ContainingType?.OriginalDefinition, _span.ContainingType.OriginalDefinition)
                    && called.Add(target.OriginalDefinition))
                {
                    foreach (var body in MethodBodies(target.OriginalDefinition))
                    {
                        pending.Push(body);
                    }
                }
            }
        }

        return called.ToImmutable();
    }

    private IEnumerable<SyntaxNode> MethodBodies(IMethodSymbol method)
        => method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).Select(GuardSpan.Body).Where(b => b is not null)!;

    /// <summary>The names passed as the key to a keyed lock's acquisitions in the type.</summary>
    private HashSet<string> KeyedCallsIn(ISymbol keyedLock)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (invocation, model) in TypeNodes<InvocationExpressionSyntax>())
        {
            if (model.GetOperation(invocation, _cancellationToken) is IInvocationOperation { Arguments.Length: > 0 } operation
                && _apis.Classify(operation) is { Operation: not LockOperation.Release } call
                && SymbolEqualityComparer.Default.Equals(call.TargetSymbol, keyedLock))
            {
                keys.Add(operation.Arguments[0].Value.Syntax.ToString());
            }
        }

        return keys;
    }

    /// <summary>
    /// The parameter the state is keyed by: a string, Guid, int or long parameter named like a key (<c>userId</c>,
    /// <c>email</c>, <c>collectionName</c>, <c>key</c>…) such that every piece of state the span touches belongs to
    /// that key: the object written was loaded with it, or the thread-safe collection is indexed by it. A plain field
    /// or a non-thread-safe collection is shared by every key, so a keyed lock would not exclude other keys' writes.
    /// </summary>
    private IParameterSymbol? KeyParameter()
    {
        var parameters = _span.FunctionSymbol.Parameters.AsEnumerable();
        if (_span.FunctionSymbol.MethodKind is MethodKind.AnonymousFunction or MethodKind.LocalFunction
            && _span.Function.Ancestors().OfType<BaseMethodDeclarationSyntax>().FirstOrDefault() is { } outer
            && _model.GetDeclaredSymbol(outer, _cancellationToken) is IMethodSymbol outerSymbol)
        {
            parameters = parameters.Concat(outerSymbol.Parameters);
        }

        return parameters.FirstOrDefault(p => IsKeyLike(p) && _span.Anchors.All(a => IsKeyedBy(a, p)));
    }

    private static bool IsKeyLike(IParameterSymbol parameter)
    {
        var type = parameter.Type;
        var keyType = type.SpecialType is SpecialType.System_String or SpecialType.System_Int32 or SpecialType.System_Int64
            || type.ToDisplayString() == "System.Guid";
        var name = parameter.Name;
        return keyType
            && (name is "key" or "id" or "email" or "name"
                || KeySuffixes.Any(suffix => name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal)));
    }

    private bool IsKeyedBy(SharedAccess access, IParameterSymbol key)
    {
        if (access.Root is ILocalSymbol local)
        {
            // The object was loaded by key: `var fact = await _facts.GetAsync(factId, ct);`.
            return local.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<VariableDeclaratorSyntax>()
                .Any(d => d.Initializer is { } initializer && Mentions(initializer.Value, key));
        }

        if (access.Root is not null || !IsThreadSafeCollection(TypeFacts.TypeOf(access.Member)))
        {
            return false;
        }

        // A concurrent collection whose entries the span reads and writes by that key.
        return _span.Covered.Where(c => SymbolEqualityComparer.Default.Equals(c.Member, access.Member)).All(c => c.Reference.Parent switch
        {
            IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: > 0 } indexer when indexer.Instance == c.Reference => IsParameter(indexer.Arguments[0].Value, key),
            IInvocationOperation { Arguments.Length: > 0 } invocation when invocation.Instance == c.Reference => IsParameter(invocation.Arguments[0].Value, key),
            _ => false,
        });
    }

    private bool Mentions(SyntaxNode node, IParameterSymbol key)
        => node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
            .Any(n => n.Identifier.ValueText == key.Name && SymbolEqualityComparer.Default.Equals(Model(n.SyntaxTree).GetSymbolInfo(n, _cancellationToken).Symbol, key));

    private static bool IsParameter(IOperation value, IParameterSymbol key)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        return value is IParameterReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Parameter, key);
    }

    private static bool IsThreadSafeCollection(ITypeSymbol? type)
        => type?.ContainingNamespace?.ToDisplayString() == "System.Collections.Concurrent";

    private SemanticModel Model(SyntaxTree tree) => tree == _model.SyntaxTree ? _model : _model.Compilation.GetSemanticModel(tree);

    /// <summary>Nodes of one kind in every declaration of the span's type, with the model of their tree.</summary>
    private IEnumerable<(T Node, SemanticModel Model)> TypeNodes<T>()
        where T : SyntaxNode
    {
        foreach (var reference in _span.ContainingType.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax(_cancellationToken);
            var model = Model(syntax.SyntaxTree);
            foreach (var node in syntax.DescendantNodes().OfType<T>())
            {
                yield return (node, model);
            }
        }
    }
}
