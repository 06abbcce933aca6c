using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Configuration;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>Why state is shared between flows that can run at the same time (ARCHITECTURE §3).</summary>
internal enum SharedReasonKind
{
    ThreadSafeAttribute,
    Singleton,
    HostedService,
    BackgroundService,
    TakesLock,
    StaticMember,
    Option,
}

/// <summary>One reason, worded for a diagnostic message: "registered with AddSingleton in Program.cs".</summary>
internal sealed class SharedReason
{
    internal SharedReason(SharedReasonKind kind, string description)
    {
        Kind = kind;
        Description = description;
    }

    internal SharedReasonKind Kind { get; }

    /// <summary>A predicate that completes a sentence about the type or member: "is registered with AddSingleton in Program.cs".</summary>
    internal string Description { get; }

    /// <summary>Whether the reason needs whole-compilation facts (DI registrations), so only a compilation-end action can know it.</summary>
    internal bool NeedsWholeCompilation => Kind is SharedReasonKind.Singleton or SharedReasonKind.HostedService;

    /// <summary>The reason as a sentence about its subject: <c>'PriceCache' is registered with AddSingleton in Program.cs</c>.</summary>
    internal string About(ISymbol subject) => "'" + subject.Name + "' " + Description;
}

/// <summary>
/// The one model of shared types that every shared-state rule asks (ARCHITECTURE §3). Created per compilation in the
/// compilation-start action: it resolves its types once, collects DI registrations as the compilation is analysed, and
/// answers "is this type shared, and why?".
/// </summary>
/// <remarks>
/// Reasons visible from the type itself (an attribute, a base type, a lock member, a static member, an option) are
/// answered at once through <see cref="ImmediateReason(INamedTypeSymbol)"/>. Registrations (<c>AddSingleton</c>, <c>AddHostedService</c>)
/// can sit in any file, so <see cref="FinalReason"/> may be asked only from a compilation-end action. Which code of a
/// shared type can run concurrently (confinement) is the per-type model's question: <see cref="TypeFacts"/>.
/// </remarks>
internal sealed class SharedState
{
    private const string ThreadSafeAttributeName = "ThreadSafeAttribute";

    private readonly LockApis _apis;
    private readonly INamedTypeSymbol? _backgroundService;
    private readonly INamedTypeSymbol? _serviceCollection;
    private readonly ConcurrentDictionary<INamedTypeSymbol, SharedReason> _registered = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, SharedReason?> _immediate = new(SymbolEqualityComparer.Default);
    private readonly AnalyzerConfigOptionsProvider _options;
    private readonly Lazy<Dictionary<INamedTypeSymbol, SharedReason>> _registeredWithBases;

    private SharedState(Compilation compilation, LockApis apis, AnalyzerConfigOptionsProvider options)
    {
        _apis = apis;
        _options = options;
        _backgroundService = compilation.GetTypeByMetadataName("Microsoft.Extensions.Hosting.BackgroundService");
        _serviceCollection = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.IServiceCollection");
        _registeredWithBases = new Lazy<Dictionary<INamedTypeSymbol, SharedReason>>(RegisteredWithBases, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether the compilation can register services at all; when not, <see cref="FinalReason"/> equals <see cref="ImmediateReason(INamedTypeSymbol)"/>.</summary>
    internal bool CanRegisterServices => _serviceCollection is not null;

    /// <summary>Creates the model and registers the action that collects DI registrations.</summary>
    internal static SharedState Register(CompilationStartAnalysisContext context, LockApis apis)
    {
        var model = new SharedState(context.Compilation, apis, context.Options.AnalyzerConfigOptionsProvider);
        if (model._serviceCollection is not null)
        {
            context.RegisterOperationAction(model.CollectRegistration, OperationKind.Invocation);
        }

        return model;
    }

    /// <summary>Why a type is shared, from what the type itself shows; null when nothing does.</summary>
    internal SharedReason? ImmediateReason(INamedTypeSymbol type) => _immediate.GetOrAdd(type.OriginalDefinition, ComputeImmediate);

    /// <summary>
    /// Why a type is shared, including DI registrations of the type or of a type derived from it (whose instances run
    /// the base type's code); ask only from a compilation-end action.
    /// </summary>
    internal SharedReason? FinalReason(INamedTypeSymbol type)
        => _registeredWithBases.Value.TryGetValue(type.OriginalDefinition, out var registered) ? registered : ImmediateReason(type);

    /// <summary>Why a member is shared on its own: a static field or auto-property (not <c>[ThreadStatic]</c>) is shared by every flow of the process.</summary>
    internal static SharedReason? StaticReason(ISymbol member)
        => member.IsStatic
            && member is IFieldSymbol { IsConst: false } or IPropertySymbol
            && !member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ThreadStaticAttribute")
                ? new SharedReason(SharedReasonKind.StaticMember, "is static, so every flow in the process shares it")
                : null;

    /// <summary>
    /// Whether a method runs in one sequential flow only, so its writes cannot race with each other: constructors,
    /// <c>init</c> accessors, <c>Dispose</c>, and a hosted service's <c>ExecuteAsync</c>/<c>StartAsync</c>/<c>StopAsync</c>.
    /// </summary>
    internal static bool IsSequentialEntry(IMethodSymbol method)
        => method.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.Destructor
            || method.IsInitOnly
            || (method.Name is "Dispose" or "DisposeAsync" && method.Parameters.Length <= 1)
            || (method.Name is "ExecuteAsync" or "StartAsync" or "StopAsync" or "StartingAsync" or "StartedAsync" or "StoppingAsync" or "StoppedAsync"
                && (method.IsOverride || method.DeclaredAccessibility == Accessibility.Public || method.ExplicitInterfaceImplementations.Length > 0)
                && method.ContainingType is { } type
                && IsHostedService(type));

    private static bool IsHostedService(INamedTypeSymbol type)
        => type.AllInterfaces.Any(i => i.Name is "IHostedService" or "IHostedLifecycleService" && i.ContainingNamespace?.ToDisplayString() == "Microsoft.Extensions.Hosting");

    private SharedReason? ComputeImmediate(INamedTypeSymbol type)
    {
        foreach (var candidate in TypeAndBases(type).Concat(type.AllInterfaces))
        {
            if (candidate.GetAttributes().Any(a => GuardedAccess.IsNuzantaraAttribute(a, ThreadSafeAttributeName)))
            {
                return new SharedReason(SharedReasonKind.ThreadSafeAttribute, ReferenceEquals(candidate, type) ? "is marked [ThreadSafe]" : $"is marked [ThreadSafe] through '{candidate.Name}'");
            }
        }

        if (_backgroundService is not null && TypeAndBases(type).Skip(1).Any(b => SymbolEqualityComparer.Default.Equals(b.OriginalDefinition, _backgroundService)))
        {
            return new SharedReason(SharedReasonKind.BackgroundService, "is a BackgroundService, which runs beside the requests");
        }

        if (InstanceLock(type) is { } lockMember)
        {
            return new SharedReason(SharedReasonKind.TakesLock, $"takes a lock ('{lockMember}'), so its author expects concurrent callers");
        }

        return OptionReason(type);
    }

    /// <summary>
    /// An instance lock of the type: a lock-typed instance field or property, or a <c>lock</c> statement on instance
    /// state. A static lock guards static state only, which is shared anyway; it says nothing about the instances.
    /// </summary>
    private string? InstanceLock(INamedTypeSymbol type)
    {
        foreach (var member in type.GetMembers())
        {
            var memberType = member switch
            {
                IFieldSymbol { IsStatic: false } field => field.Type,
                IPropertySymbol { IsStatic: false } property => property.Type,
                _ => null,
            };
            if (memberType is not null && _apis.IsLockType(memberType))
            {
                return member.Name;
            }
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            foreach (var statement in reference.GetSyntax().DescendantNodes().OfType<LockStatementSyntax>())
            {
                var locked = statement.Expression;
                var name = locked switch
                {
                    IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                    MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var member } => member.Identifier.ValueText,
                    _ => null,
                };
                if (locked is ThisExpressionSyntax || (name is not null && type.GetMembers(name).Any(m => !m.IsStatic)))
                {
                    return locked.ToString();
                }
            }
        }

        return null;
    }

    private SharedReason? OptionReason(INamedTypeSymbol type)
    {
        var tree = type.DeclaringSyntaxReferences.FirstOrDefault()?.SyntaxTree;
        if (tree is null)
        {
            return null;
        }

        var globs = RuleOptions.SharedTypes.GetValue(_options, tree);
        var fullName = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None));
        foreach (var glob in globs)
        {
            if (Matches(glob, type.Name) || Matches(glob, fullName))
            {
                return new SharedReason(SharedReasonKind.Option, $"is listed in nuzantara.shared_types ('{glob}')");
            }
        }

        return null;
    }

    private static bool Matches(string glob, string name)
        => Regex.IsMatch(name, "^" + Regex.Escape(glob).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));

    private void CollectRegistration(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        var kind = method.Name switch
        {
            "AddSingleton" or "TryAddSingleton" or "AddKeyedSingleton" or "TryAddKeyedSingleton" => SharedReasonKind.Singleton,
            "AddHostedService" => SharedReasonKind.HostedService,
            _ => (SharedReasonKind?)null,
        };
        if (kind is not { } reasonKind || !ExtendsServiceCollection(method))
        {
            return;
        }

        var file = System.IO.Path.GetFileName(invocation.Syntax.SyntaxTree.FilePath);
        var where = string.IsNullOrEmpty(file) ? string.Empty : " in " + file;
        var reason = new SharedReason(reasonKind, $"is registered with {method.Name}{where}");
        foreach (var type in RegisteredTypes(invocation))
        {
            _registered.TryAdd(type.OriginalDefinition, reason);
        }
    }

    /// <summary>Every registered type and its bases: a base type's code runs inside the registered instance.</summary>
    private Dictionary<INamedTypeSymbol, SharedReason> RegisteredWithBases()
    {
        var result = new Dictionary<INamedTypeSymbol, SharedReason>(SymbolEqualityComparer.Default);
        foreach (var pair in _registered)
        {
            result[pair.Key] = pair.Value;
        }

        foreach (var pair in _registered)
        {
            for (var current = pair.Key.BaseType; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                if (!result.ContainsKey(current.OriginalDefinition))
                {
                    result[current.OriginalDefinition] = new SharedReason(pair.Value.Kind, pair.Value.Description.Replace("is registered", $"is the base of '{pair.Key.Name}', registered"));
                }
            }
        }

        return result;
    }

    private bool ExtendsServiceCollection(IMethodSymbol method)
        => method.IsExtensionMethod
            && (method.ReducedFrom ?? method).Parameters.FirstOrDefault()?.Type is { } receiver
            && (SymbolEqualityComparer.Default.Equals(receiver, _serviceCollection)
                || receiver.AllInterfaces.Contains(_serviceCollection!, SymbolEqualityComparer.Default));

    /// <summary>The implementation types a registration makes singletons: <c>AddSingleton&lt;I, T&gt;()</c>, a factory's product, an instance, <c>typeof(T)</c>.</summary>
    private static IEnumerable<INamedTypeSymbol> RegisteredTypes(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (method.TypeArguments.Length > 0 && method.TypeArguments[method.TypeArguments.Length - 1] is INamedTypeSymbol implementation)
        {
            yield return implementation;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.Parameter?.Ordinal == 0 && method.IsExtensionMethod && method.ReducedFrom is null)
            {
                continue;
            }

            switch (Unwrap(argument.Value))
            {
                case ITypeOfOperation { TypeOperand: INamedTypeSymbol typeOperand }:
                    yield return typeOperand;
                    break;
                case IDelegateCreationOperation { Target: IAnonymousFunctionOperation factory }:
                    foreach (var returned in factory.Body.Descendants().OfType<IReturnOperation>())
                    {
                        if (Unwrap(returned.ReturnedValue)?.Type is INamedTypeSymbol product)
                        {
                            yield return product;
                        }
                    }

                    break;
                case IObjectCreationOperation { Type: INamedTypeSymbol created }:
                    yield return created;
                    break;
                case { Type: INamedTypeSymbol instance } when instance.TypeKind == TypeKind.Class && instance.SpecialType == SpecialType.None
                    && argument.Parameter?.Type.TypeKind != TypeKind.Delegate && argument.Parameter?.Name != "serviceKey":
                    yield return instance;
                    break;
            }
        }
    }

    private static IOperation? Unwrap(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private static IEnumerable<INamedTypeSymbol> TypeAndBases(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            yield return current;
        }
    }
}
