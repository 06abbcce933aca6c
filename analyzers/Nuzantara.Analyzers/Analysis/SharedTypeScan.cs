using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>
/// A diagnostic a shared-state rule would report if the type (or member) is shared. The message's last argument is
/// the reason: either the rule's own (<see cref="Reason"/>, such as "also written under '_gate' in 'SaveAsync'"), or
/// the reason the model finds for <see cref="Member"/>/<see cref="Type"/>.
/// </summary>
internal sealed class Candidate
{
    internal Candidate(DiagnosticDescriptor descriptor, INamedTypeSymbol type, ISymbol? member, Location location, IEnumerable<Location>? additionalLocations, string? reason, params object[] arguments)
    {
        Descriptor = descriptor;
        Type = type;
        Member = member;
        Location = location;
        AdditionalLocations = additionalLocations?.ToImmutableArray() ?? ImmutableArray<Location>.Empty;
        Reason = reason;
        Arguments = arguments;
    }

    internal DiagnosticDescriptor Descriptor { get; }

    internal INamedTypeSymbol Type { get; }

    /// <summary>The member the diagnostic is about; a static one is shared on its own.</summary>
    internal ISymbol? Member { get; }

    internal Location Location { get; }

    internal ImmutableArray<Location> AdditionalLocations { get; }

    /// <summary>A reason the rule knows by itself; null to ask the model whether the type is shared.</summary>
    internal string? Reason { get; }

    internal object[] Arguments { get; }

    internal ImmutableDictionary<string, string?> Properties { get; set; } = ImmutableDictionary<string, string?>.Empty;

    internal Diagnostic ToDiagnostic(string reason)
        => Diagnostic.Create(Descriptor, Location, AdditionalLocations, Properties, Arguments.Concat(new object[] { reason }).ToArray());
}

/// <summary>
/// The plumbing every shared-state rule shares: per compilation, the lock APIs and the shared-type model (which
/// collects DI registrations); per type, its operation blocks gathered by a symbol-start action into a
/// <see cref="TypeFacts"/> at the type's end, where the rule turns them into candidates. A candidate whose type is
/// shared for a reason visible from the type, or whose rule gives its own reason, is reported at once; one that
/// depends on registrations waits for the compilation's end.
/// </summary>
internal static class SharedTypeScan
{
    internal delegate void TypeAnalysis(TypeFacts facts, List<Candidate> candidates);

    /// <summary>Registers the scan; call from a compilation-start action.</summary>
    internal static void Register(CompilationStartAnalysisContext start, TypeAnalysis analyze)
    {
        var apis = LockApis.Create(start.Compilation);
        var shared = SharedState.Register(start, apis);
        var deferred = new ConcurrentBag<Candidate>();
        start.RegisterSymbolStartAction(
            symbolStart =>
            {
                if (symbolStart.Symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } type)
                {
                    return;
                }

                var bodies = new ConcurrentBag<TypeBody>();
                symbolStart.RegisterOperationBlockAction(block =>
                {
                    foreach (var root in block.OperationBlocks)
                    {
                        bodies.Add(new TypeBody(block.OwningSymbol, root));
                    }
                });
                symbolStart.RegisterSymbolEndAction(end =>
                {
                    if (bodies.IsEmpty)
                    {
                        return;
                    }

                    var ordered = bodies.OrderBy(b => b.Root.Syntax.SyntaxTree.FilePath, StringComparer.Ordinal).ThenBy(b => b.Root.Syntax.SpanStart);
                    var candidates = new List<Candidate>();
                    analyze(new TypeFacts(type, ordered, apis, shared), candidates);
                    foreach (var candidate in candidates)
                    {
                        var reason = candidate.Reason
                            ?? (candidate.Member is { } member ? SharedState.StaticReason(member)?.About(member) : null)
                            ?? shared.ImmediateReason(candidate.Type)?.About(candidate.Type);
                        if (reason is not null)
                        {
                            end.ReportDiagnostic(candidate.ToDiagnostic(reason));
                        }
                        else if (shared.CanRegisterServices)
                        {
                            deferred.Add(candidate);
                        }
                    }
                });
            },
            SymbolKind.NamedType);
        if (shared.CanRegisterServices)
        {
            start.RegisterCompilationEndAction(end =>
            {
                foreach (var candidate in deferred)
                {
                    if (shared.FinalReason(candidate.Type) is { } reason)
                    {
                        end.ReportDiagnostic(candidate.ToDiagnostic(reason.About(candidate.Type)));
                    }
                }
            });
        }
    }
}
