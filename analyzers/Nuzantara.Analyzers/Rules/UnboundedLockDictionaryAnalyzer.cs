using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Configuration;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1004: a private dictionary of locks that code adds to and never removes from keeps one lock for every key the
/// process has ever seen.
/// </summary>
/// <remarks>
/// Only private fields are judged, because only then does the declaring type (with its nested types) see every
/// removal. Any use the analysis does not understand (the dictionary passed elsewhere, a subclass method) counts as a
/// possible removal, so that the rule stays quiet rather than guess.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnboundedLockDictionaryAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.UnboundedLockDictionary,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        "Per-key lock dictionary only grows",
        "'{0}' gains {1} per {2} key in {3} ({4}) and never removes one: memory grows with every key ever seen",
        "A dictionary of locks keyed by user, session or tenant id that is added to and never pruned keeps a lock for every key the process has ever seen, for the life of the process. Use Nuzantara.Concurrency's KeyedAsyncLock<TKey>, which keeps state only for keys in use.");

    private static readonly ImmutableHashSet<string> AddMethods = ImmutableHashSet.Create(StringComparer.Ordinal, "GetOrAdd", "TryAdd", "Add", "AddOrUpdate");

    private static readonly ImmutableHashSet<string> RemoveMethods = ImmutableHashSet.Create(StringComparer.Ordinal, "TryRemove", "Remove", "Clear", "TryUpdate");

    private static readonly ImmutableHashSet<string> ReadMethods = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "TryGetValue",
        "ContainsKey",
        "ContainsValue",
        "GetValueOrDefault",
        "GetEnumerator",
        "ToArray",
        "CopyTo",
        "EnsureCapacity",
        "TrimExcess",
        "ToString",
        "GetHashCode",
        "Equals",
        "GetType");

    private enum UseKind
    {
        Read,
        Add,
        Remove,

        /// <summary>A use the analysis cannot follow, such as the dictionary passed to another method: it may remove.</summary>
        Escape,
    }

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var apis = LockApis.Create(start.Compilation);
            var dictionaries = LockDictionaries.Create(start.Compilation, apis);
            if (apis.IsEmpty || dictionaries.IsEmpty)
            {
                return;
            }

            var registry = new ConcurrentDictionary<IFieldSymbol, FieldState>(SymbolEqualityComparer.Default);
            start.RegisterSymbolStartAction(symbolStart => StartType(symbolStart, apis, dictionaries, registry), SymbolKind.NamedType);
        });
    }

    /// <remarks>
    /// A type's operation actions do not cover its nested types, which can still use its private fields. Roslyn starts
    /// a containing type before its nested types and ends it after them, so each type records into the shared state of
    /// its own fields and its containing types' fields, and the declaring type reports at its end.
    /// </remarks>
    private static void StartType(SymbolStartAnalysisContext context, LockApis apis, LockDictionaries dictionaries, ConcurrentDictionary<IFieldSymbol, FieldState> registry)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var own = new List<FieldState>();
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsConst: false, IsImplicitlyDeclared: false, DeclaredAccessibility: Accessibility.Private } field
                && dictionaries.Describe(field.Type) is { } map
                && CreatesItsOwnDictionary(field)
                && !IsBounded(map.Key, BoundedKeyTypes(context, field)))
            {
                own.Add(registry.GetOrAdd(field, _ => new FieldState(field, map)));
            }
        }

        var watched = ImmutableDictionary.CreateBuilder<IFieldSymbol, FieldState>(SymbolEqualityComparer.Default);
        foreach (var state in own)
        {
            watched[state.Field] = state;
        }

        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            foreach (var field in outer.GetMembers().OfType<IFieldSymbol>())
            {
                if (registry.TryGetValue(field, out var state))
                {
                    watched[field] = state;
                }
            }
        }

        if (watched.Count == 0)
        {
            return;
        }

        var fields = watched.ToImmutable();
        context.RegisterOperationAction(operation => ObserveReference(operation, fields, apis), OperationKind.FieldReference);
        if (fields.Values.Any(field => field.Map.NeedsLockEvidence))
        {
            context.RegisterOperationAction(operation => ObserveLocking(operation, fields, apis), OperationKind.Lock, OperationKind.Invocation);
        }

        // Registered by nested types too: without an end action of their own, their operation callbacks can still be
        // running when the containing type's end action reports (dotnet/roslyn#68484).
        context.RegisterSymbolEndAction(end =>
        {
            foreach (var field in own)
            {
                registry.TryRemove(field.Field, out _);
                if (field.GrowsForEver(out var add))
                {
                    end.ReportDiagnostic(Diagnostic.Create(
                        Descriptor,
                        field.Field.Locations[0],
                        field.Field.Name,
                        WithArticle(field.Map.Value.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)),
                        field.Map.Key.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                        add.Call,
                        add.Member));
                }
            }
        });
    }

    /// <summary>No initializer, or a new dictionary: one initialized from elsewhere may be pruned by its owner.</summary>
    private static bool CreatesItsOwnDictionary(IFieldSymbol field)
        => field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not VariableDeclaratorSyntax { Initializer.Value: var value }
            || value is BaseObjectCreationExpressionSyntax or CollectionExpressionSyntax;

    private static ImmutableArray<string> BoundedKeyTypes(SymbolStartAnalysisContext context, IFieldSymbol field)
        => field.DeclaringSyntaxReferences.FirstOrDefault()?.SyntaxTree is { } tree
            ? RuleOptions.BoundedKeyTypes.GetValue(context.Options.AnalyzerConfigOptionsProvider, tree)
            : ImmutableArray<string>.Empty;

    /// <summary><c>bool</c>, an enum, or a type the option names: a key set that cannot grow.</summary>
    private static bool IsBounded(ITypeSymbol key, ImmutableArray<string> declared)
    {
        if (key.SpecialType == SpecialType.System_Boolean || key.TypeKind == TypeKind.Enum)
        {
            return true;
        }

        var fullName = key.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty);
        return declared.Any(name => name == key.Name || name == fullName || name == key.ToDisplayString());
    }

    private static void ObserveReference(OperationAnalysisContext context, ImmutableDictionary<IFieldSymbol, FieldState> fields, LockApis apis)
    {
        var reference = (IFieldReferenceOperation)context.Operation;
        if (!fields.TryGetValue(reference.Field.OriginalDefinition, out var field))
        {
            return;
        }

        var (kind, call) = Classify(reference, apis);
        if (kind is UseKind.Add or UseKind.Remove && IsConstruction(reference, context.ContainingSymbol, field.Field))
        {
            // Filling or creating the dictionary while the object is built is not growth per request.
            return;
        }

        switch (kind)
        {
            case UseKind.Add:
                field.RecordAdd(call!, MemberName(context.ContainingSymbol), reference.Syntax.GetLocation());
                break;
            case UseKind.Remove:
            case UseKind.Escape:
                field.RecordRemoval();
                break;
        }
    }

    private static (UseKind Kind, string? Call) Classify(IFieldReferenceOperation reference, LockApis apis)
    {
        IOperation use = reference;
        while (use.Parent is IConversionOperation conversion)
        {
            use = conversion;
        }

        switch (use.Parent)
        {
            case IInvocationOperation invocation when invocation.Instance == use:
                return IsCollectionMember(invocation.TargetMethod) ? ClassifyMethod(invocation.TargetMethod.Name) : (UseKind.Escape, null);
            case IArgumentOperation { Parent: IInvocationOperation invocation } argument:
                if (invocation.TargetMethod.IsExtensionMethod && argument.Parameter?.Ordinal == 0)
                {
                    return invocation.TargetMethod.ContainingType.ToDisplayString() == "System.Linq.Enumerable"
                        ? (UseKind.Read, null)
                        : ClassifyMethod(invocation.TargetMethod.Name);
                }

                // Locking the dictionary itself (Monitor.Enter(_locks)) neither adds nor removes.
                return apis.Classify(invocation) is { Family: LockFamily.Monitor } ? (UseKind.Read, null) : (UseKind.Escape, null);
            case IPropertyReferenceOperation property when property.Instance == use:
                return property.Property.IsIndexer && property.Parent is IAssignmentOperation write && write.Target == property
                    ? (UseKind.Add, "an indexer set")
                    : (UseKind.Read, null);
            case ISimpleAssignmentOperation assignment when assignment.Target == use:
                // A new dictionary replaces the old one with its locks; one received from elsewhere may be pruned by its owner.
                return assignment.Value.WithoutConversions() is IObjectCreationOperation ? (UseKind.Remove, null) : (UseKind.Escape, null);
            case ICoalesceAssignmentOperation lazy when lazy.Target == use:
                return (UseKind.Read, null);
            case ILockOperation or IForEachLoopOperation or INameOfOperation:
                return (UseKind.Read, null);
            default:
                return (UseKind.Escape, null);
        }
    }

    private static (UseKind Kind, string? Call) ClassifyMethod(string name)
        => AddMethods.Contains(name) ? (UseKind.Add, (string?)name)
            : RemoveMethods.Contains(name) ? (UseKind.Remove, null)
            : ReadMethods.Contains(name) ? (UseKind.Read, null)
            : (UseKind.Escape, null);

    /// <summary>Members of the BCL collections; a subclass's own methods may prune and count as escapes.</summary>
    private static bool IsCollectionMember(IMethodSymbol method)
        => method.ContainingType.SpecialType == SpecialType.System_Object
            || method.ContainingNamespace?.ToDisplayString() is "System.Collections.Concurrent" or "System.Collections.Generic";

    /// <summary>Code of a constructor that builds the field's owner (static for a static field), not a lambda it creates.</summary>
    private static bool IsConstruction(IOperation operation, ISymbol containingSymbol, IFieldSymbol field)
    {
        if (containingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } constructor
            || constructor.IsStatic != field.IsStatic
            || !SymbolEqualityComparer.Default.Equals(constructor.ContainingType, field.ContainingType))
        {
            return false;
        }

        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false;
            }
        }

        return true;
    }

    private static string MemberName(ISymbol symbol)
        => symbol is IMethodSymbol { AssociatedSymbol: { } property } ? property.Name
            : symbol is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } ? symbol.ContainingType.Name
            : symbol.Name;

    /// <summary>For <c>object</c> values: a <c>lock</c> or <c>Monitor.Enter</c> on a value from the dictionary makes them locks.</summary>
    private static void ObserveLocking(OperationAnalysisContext context, ImmutableDictionary<IFieldSymbol, FieldState> fields, LockApis apis)
    {
        var target = context.Operation switch
        {
            ILockOperation statement => statement.LockedValue,
            IInvocationOperation invocation => apis.Classify(invocation) is { Family: LockFamily.Monitor, Operation: not LockOperation.Release } call ? call.Target : null,
            _ => null,
        };
        if (SourceField(target, followLocals: true) is { } source && fields.TryGetValue(source, out var field))
        {
            field.RecordUsedAsLock();
        }
    }

    /// <summary>
    /// The field a value was read from: <c>_locks[key]</c>, <c>_locks.GetOrAdd(…)</c>, or a local assigned from one
    /// (including <c>_locks.TryGetValue(key, out var gate)</c>).
    /// </summary>
    private static IFieldSymbol? SourceField(IOperation? value, bool followLocals)
    {
        switch (value.WithoutConversions())
        {
            case IInvocationOperation { TargetMethod.Name: "GetOrAdd" or "GetValueOrDefault" } invocation:
                return FieldOf(invocation.Instance ?? invocation.Arguments.FirstOrDefault()?.Value);
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer:
                return FieldOf(indexer.Instance);
            case ILocalReferenceOperation local when followLocals:
                return LocalSource(local);
            default:
                return null;
        }
    }

    private static IFieldSymbol? LocalSource(ILocalReferenceOperation reference)
    {
        var root = (IOperation)reference;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (var operation in root.Descendants())
        {
            var source = operation switch
            {
                IVariableDeclaratorOperation { Initializer.Value: var value } declarator when Same(declarator.Symbol, reference.Local) => SourceField(value, followLocals: false),
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target, Value: var value } when Same(target.Local, reference.Local) => SourceField(value, followLocals: false),
                IInvocationOperation { TargetMethod.Name: "TryGetValue" } lookup when lookup.Arguments.Any(a => Same(OutLocal(a.Value), reference.Local)) => FieldOf(lookup.Instance),
                _ => null,
            };
            if (source is not null)
            {
                return source;
            }
        }

        return null;
    }

    private static ILocalSymbol? OutLocal(IOperation value)
        => value is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } ? declared.Local
            : (value as ILocalReferenceOperation)?.Local;

    private static bool Same(ISymbol? left, ISymbol? right) => SymbolEqualityComparer.Default.Equals(left, right);

    private static IFieldSymbol? FieldOf(IOperation? operation)
        => (operation.WithoutConversions() as IFieldReferenceOperation)?.Field.OriginalDefinition;

    private static string WithArticle(string noun)
        => ("AEIOUaeiou".IndexOf(noun[0]) >= 0 ? "an " : "a ") + noun;

    private sealed class AddSite
    {
        internal AddSite(string call, string member, Location location)
        {
            Call = call;
            Member = member;
            Location = location;
        }

        internal string Call { get; }

        internal string Member { get; }

        internal Location Location { get; }

        /// <summary>Source order, so that the message names the same add site whatever order the callbacks ran in.</summary>
        internal bool Precedes(AddSite other)
        {
            var byFile = string.CompareOrdinal(Location.SourceTree?.FilePath, other.Location.SourceTree?.FilePath);
            return byFile != 0 ? byFile < 0 : Location.SourceSpan.Start < other.Location.SourceSpan.Start;
        }
    }

    /// <summary>What the type does with one field; written by concurrent operation callbacks.</summary>
    private sealed class FieldState
    {
        private readonly object _gate = new();
        private AddSite? _firstAdd;
        private bool _removed;
        private bool _usedAsLock;

        internal FieldState(IFieldSymbol field, LockMap map)
        {
            Field = field;
            Map = map;
        }

        internal IFieldSymbol Field { get; }

        internal LockMap Map { get; }

        internal void RecordAdd(string call, string member, Location location)
        {
            var site = new AddSite(call, member, location);
            lock (_gate)
            {
                if (_firstAdd is null || site.Precedes(_firstAdd))
                {
                    _firstAdd = site;
                }
            }
        }

        internal void RecordRemoval()
        {
            lock (_gate)
            {
                _removed = true;
            }
        }

        internal void RecordUsedAsLock()
        {
            lock (_gate)
            {
                _usedAsLock = true;
            }
        }

        internal bool GrowsForEver(out AddSite add)
        {
            lock (_gate)
            {
                add = _firstAdd!;
                return _firstAdd is not null && !_removed && (_usedAsLock || !Map.NeedsLockEvidence);
            }
        }
    }
}
