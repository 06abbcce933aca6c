using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1006: two locks taken in opposite orders somewhere in the compilation. Each nested acquisition records the pair
/// (held lock, taken lock), directly or through one call to a private or internal method of the same type; at the end
/// of the compilation every pair whose reverse was also recorded is reported at both sites.
/// </summary>
/// <remarks>
/// Locks are identified by their field or property: locals and parameters could be any instance. The same lock nested
/// (re-entrancy, or a keyed lock taken for two keys) is a different problem and records nothing. Zero-timeout probes
/// never wait, so they cannot be the waiting half of a deadlock.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockOrderInversionAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.LockOrderInversion,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        "Locks taken in opposite orders",
        "'{0}' is taken while holding '{1}' here, but '{1}' is taken while holding '{0}' in {2}: two flows can deadlock",
        "When one flow takes lock A then lock B and another takes B then A, each can hold its first lock while waiting for the other's: both wait for ever, or until their timeouts fail them. Take locks in one global order everywhere.",
        WellKnownDiagnosticTags.CompilationEnd);

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
            if (apis.IsEmpty)
            {
                return;
            }

            var orders = new LockOrders();
            start.RegisterOperationBlockAction(block => orders.Collect(block, apis));
            start.RegisterCompilationEndAction(end => orders.Report(end));
        });
    }

    /// <summary>A lock taken at a place, by a method or local function.</summary>
    private sealed class Taking
    {
        internal Taking(ISymbol lockSymbol, Location location, ISymbol owner)
        {
            Lock = lockSymbol;
            Location = location;
            Owner = owner;
        }

        internal ISymbol Lock { get; }

        internal Location Location { get; }

        internal ISymbol Owner { get; }
    }

    /// <summary>The pairs and call summaries of one compilation, collected concurrently, matched at its end.</summary>
    private sealed class LockOrders
    {
        private readonly ConcurrentBag<(ISymbol Outer, Taking Inner)> _nested = new();
        private readonly ConcurrentDictionary<ISymbol, ConcurrentBag<ISymbol>> _takenBy = new(SymbolEqualityComparer.Default);
        private readonly ConcurrentBag<(ISymbol Callee, ImmutableArray<ISymbol> Held, Location Location, ISymbol Owner)> _callsWhileHolding = new();

        internal void Collect(OperationBlockAnalysisContext context, LockApis apis)
        {
            var owner = context.OwningSymbol;
            var acquisitions = new List<(ISymbol Lock, IOperation Operation, Location Location)>();
            var calls = new List<IInvocationOperation>();
            var takesLocks = false;
            foreach (var descendant in context.OperationBlocks.SelectMany(block => block.DescendantsAndSelf()))
            {
                switch (descendant)
                {
                    case ILockOperation lockStatement:
                        takesLocks = true;
                        if (Identity(LockApis.ReferencedSymbol(lockStatement.LockedValue)) is { } locked)
                        {
                            acquisitions.Add((locked, lockStatement, lockStatement.LockedValue.Syntax.GetLocation()));
                        }

                        break;
                    case IInvocationOperation invocation when apis.Classify(invocation) is { Operation: not LockOperation.Release } call:
                        takesLocks = true;
                        if (call.Timeout != TimeoutKind.Zero && Identity(call.TargetSymbol) is { } taken)
                        {
                            acquisitions.Add((taken, invocation, invocation.Syntax.GetLocation()));
                        }

                        break;
                    case IInvocationOperation invocation when IsSameTypeHelper(invocation.TargetMethod, owner):
                        calls.Add(invocation);
                        break;
                }
            }

            foreach (var (taken, operation, location) in acquisitions)
            {
                if (Body(operation, owner) is { } body)
                {
                    _takenBy.GetOrAdd(body, _ => new ConcurrentBag<ISymbol>()).Add(taken);
                }

                foreach (var outer in HeldLocks(operation, apis))
                {
                    if (!SymbolEqualityComparer.Default.Equals(outer, taken))
                    {
                        _nested.Add((outer, new Taking(taken, location, owner)));
                    }
                }
            }

            // A method that takes no lock cannot hold one while calling another.
            if (!takesLocks)
            {
                return;
            }

            foreach (var call in calls)
            {
                var held = HeldLocks(call, apis);
                if (!held.IsEmpty)
                {
                    _callsWhileHolding.Add((call.TargetMethod.OriginalDefinition, held, call.Syntax.GetLocation(), owner));
                }
            }
        }

        internal void Report(CompilationAnalysisContext context)
        {
            var sites = new Dictionary<(ISymbol Outer, ISymbol Inner), List<Taking>>(PairComparer.Instance);
            foreach (var (outer, inner) in _nested)
            {
                Add(sites, outer, inner);
            }

            // One level of calls: the callee's locks are taken at the call, while the caller's are held.
            foreach (var (callee, held, location, owner) in _callsWhileHolding)
            {
                if (!_takenBy.TryGetValue(callee, out var taken))
                {
                    continue;
                }

                foreach (var inner in taken.Distinct(SymbolEqualityComparer.Default))
                {
                    foreach (var outer in held.Where(outer => !SymbolEqualityComparer.Default.Equals(outer, inner)))
                    {
                        Add(sites, outer, new Taking(inner, location, owner));
                    }
                }
            }

            foreach (var pair in sites)
            {
                if (!sites.TryGetValue((pair.Key.Inner, pair.Key.Outer), out var reversed))
                {
                    continue;
                }

                var other = Ordered(reversed).First();
                foreach (var site in Ordered(pair.Value).Distinct(SameLocation.Instance))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptor,
                        site.Location,
                        ImmutableArray.Create(other.Location),
                        Name(pair.Key.Inner, site.Owner),
                        Name(pair.Key.Outer, site.Owner),
                        Describe(other.Owner)));
                }
            }
        }

        private static void Add(Dictionary<(ISymbol Outer, ISymbol Inner), List<Taking>> sites, ISymbol outer, Taking inner)
        {
            if (!sites.TryGetValue((outer, inner.Lock), out var list))
            {
                sites[(outer, inner.Lock)] = list = new List<Taking>();
            }

            list.Add(inner);
        }

        private static IEnumerable<Taking> Ordered(IEnumerable<Taking> sites)
            => sites.OrderBy(s => s.Location.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(s => s.Location.SourceSpan.Start);

        private static ImmutableArray<ISymbol> HeldLocks(IOperation operation, LockApis apis)
            => LockRegions.HeldAt(operation, apis)
                .Select(held => Identity(held.TargetSymbol))
                .OfType<ISymbol>()
                .Distinct(SymbolEqualityComparer.Default)
                .ToImmutableArray();

        /// <summary>The method or local function whose own body makes the acquisition; null inside a lambda, which runs on its own.</summary>
        private static ISymbol? Body(IOperation operation, ISymbol owner)
        {
            for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
            {
                switch (parent)
                {
                    case ILocalFunctionOperation localFunction:
                        return localFunction.Symbol.OriginalDefinition;
                    case IAnonymousFunctionOperation:
                        return null;
                }
            }

            return owner is IMethodSymbol method ? method.OriginalDefinition : null;
        }

        /// <summary>A call the rule follows one level into: a private or internal method (or local function) of the caller's own type.</summary>
        private static bool IsSameTypeHelper(IMethodSymbol method, ISymbol owner)
            => method.DeclaredAccessibility is Accessibility.Private or Accessibility.Internal
                && !method.IsVirtual
                && !method.IsAbstract
                && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, owner.ContainingType?.OriginalDefinition);

        /// <summary>Field and property locks only: their identity is known wherever they are used.</summary>
        private static ISymbol? Identity(ISymbol? symbol)
            => symbol is IFieldSymbol or IPropertySymbol ? symbol.OriginalDefinition : null;

        /// <summary>A lock of the site's own type by its name; another type's qualified by that type.</summary>
        private static string Name(ISymbol lockSymbol, ISymbol owner)
            => SymbolEqualityComparer.Default.Equals(lockSymbol.ContainingType, owner.ContainingType?.OriginalDefinition)
                ? lockSymbol.Name
                : lockSymbol.ContainingType.Name + "." + lockSymbol.Name;

        /// <summary>Where the other site is: <c>TransferService.Refund</c>, a property by its name, or the top-level statements.</summary>
        private static string Describe(ISymbol owner)
            => owner switch
            {
                IMethodSymbol { Name: WellKnownMemberNames.TopLevelStatementsEntryPointMethodName } => "the top-level statements",
                IMethodSymbol { AssociatedSymbol: { } property } => owner.ContainingType?.Name + "." + property.Name,
                _ => owner.ContainingType?.Name + "." + owner.Name,
            };
    }

    private sealed class PairComparer : IEqualityComparer<(ISymbol Outer, ISymbol Inner)>
    {
        internal static readonly PairComparer Instance = new();

        public bool Equals((ISymbol Outer, ISymbol Inner) x, (ISymbol Outer, ISymbol Inner) y)
            => SymbolEqualityComparer.Default.Equals(x.Outer, y.Outer) && SymbolEqualityComparer.Default.Equals(x.Inner, y.Inner);

        public int GetHashCode((ISymbol Outer, ISymbol Inner) obj)
            => (SymbolEqualityComparer.Default.GetHashCode(obj.Outer) * 397) ^ SymbolEqualityComparer.Default.GetHashCode(obj.Inner);
    }

    private sealed class SameLocation : IEqualityComparer<Taking>
    {
        internal static readonly SameLocation Instance = new();

        public bool Equals(Taking? x, Taking? y) => object.Equals(x?.Location, y?.Location);

        public int GetHashCode(Taking obj) => obj.Location.GetHashCode();
    }
}
