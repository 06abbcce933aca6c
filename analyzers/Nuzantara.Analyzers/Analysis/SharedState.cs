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

    internal string Description { get; }

    /// <summary>Whether the reason needs whole-compilation facts (DI registrations), so only a compilation-end action can know it.</summary>
    internal bool NeedsWholeCompilation => Kind is SharedReasonKind.Singleton or SharedReasonKind.HostedService;
}

/// <summary>
/// The one model of shared types that every shared-state rule asks (ARCHITECTURE §3). Created per compilation in the
/// compilation-start action: it resolves its types once, collects DI registrations as the compilation is analysed, and
/// answers "is this type shared, and why?" and "can this method run concurrently with its type's other members?".
/// </summary>
/// <remarks>
/// Reasons visible from the type itself (an attribute, a base type, a lock member, a static member, an option) are
/// answered at once through <see cref="ImmediateReason(INamedTypeSymbol)"/>. Registrations (<c>AddSingleton</c>, <c>AddHostedService</c>)
/// can sit in any file, so <see cref="FinalReason"/> may be asked only from a compilation-end action.
/// </remarks>
internal sealed class SharedState
{
    private const string ThreadSafeAttributeName = "ThreadSafeAttribute";
    private const string ThreadSafeAttributeNamespace = "Nuzantara.Concurrency";

    private readonly LockApis _apis;
    private readonly INamedTypeSymbol? _backgroundService;
    private readonly INamedTypeSymbol? _serviceCollection;
    private readonly ConcurrentDictionary<INamedTypeSymbol, SharedReason> _registered = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, SharedReason?> _immediate = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, ImmutableHashSet<IMethodSymbol>> _confined = new(SymbolEqualityComparer.Default);
    private readonly AnalyzerConfigOptionsProvider _options;

    private SharedState(Compilation compilation, LockApis apis, AnalyzerConfigOptionsProvider options)
    {
        _apis = apis;
        _options = options;
        _backgroundService = compilation.GetTypeByMetadataName("Microsoft.Extensions.Hosting.BackgroundService");
        _serviceCollection = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.IServiceCollection");
    }

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
    internal SharedReason? ImmediateReason(INamedTypeSymbol type) => _immediate.GetOrAdd(type, ComputeImmediate);

    /// <summary>Why a type is shared, including DI registrations; ask only from a compilation-end action.</summary>
    internal SharedReason? FinalReason(INamedTypeSymbol type)
    {
        for (var current = type.OriginalDefinition; current is not null; current = current.BaseType)
        {
            if (_registered.TryGetValue(current, out var registered))
            {
                return registered;
            }
        }

        return ImmediateReason(type);
    }

    /// <summary>Why a member is shared: a static mutable member always is; an instance member when its type is.</summary>
    internal SharedReason? ImmediateReason(ISymbol member)
        => member.IsStatic && member is IFieldSymbol { IsConst: false, IsReadOnly: false } or IPropertySymbol { IsReadOnly: false }
            ? new SharedReason(SharedReasonKind.StaticMember, "static and mutable, so every flow in the process shares it")
            : member.ContainingType is { } type ? ImmediateReason(type) : null;

    /// <summary>
    /// Whether a method runs in one sequential flow only, so its writes cannot race with each other: constructors,
    /// <c>Dispose</c>, a hosted service's <c>ExecuteAsync</c>/<c>StartAsync</c>/<c>StopAsync</c>, and private methods
    /// called only from such methods (followed through private callers).
    /// </summary>
    internal bool IsConfined(IMethodSymbol method)
    {
        method = method.OriginalDefinition;
        if (IsSequentialEntry(method))
        {
            return true;
        }

        return method.DeclaredAccessibility == Accessibility.Private
            && method.MethodKind == MethodKind.Ordinary
            && method.ContainingType is { } type
            && _confined.GetOrAdd(type, ComputeConfined).Contains(method);
    }

    private static bool IsSequentialEntry(IMethodSymbol method)
        => method.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.Destructor
            || (method.Name is "Dispose" or "DisposeAsync" && method.Parameters.Length <= 1)
            || (method.IsOverride && method.Name is "ExecuteAsync" or "StartAsync" or "StopAsync" && IsHostedService(method.ContainingType));

    private static bool IsHostedService(INamedTypeSymbol type)
        => type.AllInterfaces.Any(i => i.Name == "IHostedService" && i.ContainingNamespace?.ToDisplayString() == "Microsoft.Extensions.Hosting");

    private SharedReason? ComputeImmediate(INamedTypeSymbol type)
    {
        foreach (var candidate in TypeAndBases(type).Concat(type.AllInterfaces))
        {
            if (candidate.GetAttributes().Any(a => a.AttributeClass is { Name: ThreadSafeAttributeName } attribute
                && attribute.ContainingNamespace?.ToDisplayString() == ThreadSafeAttributeNamespace))
            {
                return new SharedReason(SharedReasonKind.ThreadSafeAttribute, ReferenceEquals(candidate, type) ? "marked [ThreadSafe]" : $"marked [ThreadSafe] through '{candidate.Name}'");
            }
        }

        if (_backgroundService is not null && TypeAndBases(type).Skip(1).Any(b => SymbolEqualityComparer.Default.Equals(b.OriginalDefinition, _backgroundService)))
        {
            return new SharedReason(SharedReasonKind.BackgroundService, "a BackgroundService, which runs beside the requests");
        }

        if (LockMember(type) is { } lockMember)
        {
            return new SharedReason(SharedReasonKind.TakesLock, $"it takes a lock ('{lockMember}'), so its author expects concurrent callers");
        }

        return OptionReason(type);
    }

    private string? LockMember(INamedTypeSymbol type)
    {
        foreach (var member in type.GetMembers())
        {
            var memberType = member switch
            {
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };
            if (memberType is not null && _apis.IsLockType(memberType))
            {
                return member.Name;
            }
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax().DescendantNodes().OfType<LockStatementSyntax>().FirstOrDefault() is { Expression: var locked })
            {
                return locked.ToString();
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
                return new SharedReason(SharedReasonKind.Option, $"listed in nuzantara.shared_types ('{glob}')");
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
            "AddSingleton" or "TryAddSingleton" => SharedReasonKind.Singleton,
            "AddHostedService" => SharedReasonKind.HostedService,
            _ => (SharedReasonKind?)null,
        };
        if (kind is not { } reasonKind || !ExtendsServiceCollection(method))
        {
            return;
        }

        var file = System.IO.Path.GetFileName(invocation.Syntax.SyntaxTree.FilePath);
        var where = string.IsNullOrEmpty(file) ? string.Empty : " in " + file;
        var reason = new SharedReason(reasonKind, $"registered with {method.Name}{where}");
        foreach (var type in RegisteredTypes(invocation))
        {
            _registered.TryAdd(type.OriginalDefinition, reason);
        }
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

            var value = argument.Value;
            while (value is IConversionOperation conversion)
            {
                value = conversion.Operand;
            }

            switch (value)
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
                case { Type: INamedTypeSymbol instance } when instance.TypeKind == TypeKind.Class && instance.SpecialType == SpecialType.None && argument.Parameter?.Type.TypeKind != TypeKind.Delegate:
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

    /// <summary>Private methods of a type reached only from its sequential entries (and other such methods).</summary>
    private ImmutableHashSet<IMethodSymbol> ComputeConfined(INamedTypeSymbol type)
    {
        var callers = new Dictionary<IMethodSymbol, HashSet<IMethodSymbol?>>(SymbolEqualityComparer.Default);
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            foreach (var invocation in reference.GetSyntax().DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (InvokedPrivateMethod(invocation, type) is not { } callee)
                {
                    continue;
                }

                if (!callers.TryGetValue(callee, out var set))
                {
                    callers[callee] = set = new HashSet<IMethodSymbol?>(SymbolEqualityComparer.Default);
                }

                set.Add(EnclosingMethod(invocation, type));
            }
        }

        // Fixed point: a private method is confined when every caller is a sequential entry or a confined method.
        var confined = ImmutableHashSet.CreateBuilder<IMethodSymbol>(SymbolEqualityComparer.Default);
        bool changed;
        do
        {
            changed = false;
            foreach (var pair in callers)
            {
                if (!confined.Contains(pair.Key)
                    && pair.Value.All(caller => caller is not null && (IsSequentialEntry(caller) || confined.Contains(caller))))
                {
                    confined.Add(pair.Key);
                    changed = true;
                }
            }
        }
        while (changed);
        return confined.ToImmutable();
    }

    private static IMethodSymbol? InvokedPrivateMethod(InvocationExpressionSyntax invocation, INamedTypeSymbol type)
    {
        var name = invocation.Expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var member } => member.Identifier.ValueText,
            _ => null,
        };
        return name is null
            ? null
            : type.GetMembers(name).OfType<IMethodSymbol>().FirstOrDefault(m => m.DeclaredAccessibility == Accessibility.Private && m.MethodKind == MethodKind.Ordinary);
    }

    /// <summary>The member a call sits in; null inside a lambda, which can run anywhere, any number of times.</summary>
    private static IMethodSymbol? EnclosingMethod(SyntaxNode node, INamedTypeSymbol type)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax:
                    return null;
                case ConstructorDeclarationSyntax constructor:
                    return type.Constructors.FirstOrDefault(c => c.DeclaringSyntaxReferences.Any(r => r.Span == constructor.Span));
                case MethodDeclarationSyntax method:
                    return type.GetMembers(method.Identifier.ValueText).OfType<IMethodSymbol>().FirstOrDefault(m => m.DeclaringSyntaxReferences.Any(r => r.Span == method.Span));
                case BasePropertyDeclarationSyntax or FieldDeclarationSyntax:
                    return null;
            }
        }

        return null;
    }

    private static IEnumerable<INamedTypeSymbol> TypeAndBases(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            yield return current;
        }
    }
}
