using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

#pragma warning disable RS1036, RS2008 // A probe for tests only: never shipped, never loaded by a compiler.

namespace Nuzantara.Analyzers.Tests.Analysis;

/// <summary>
/// Lets tests ask the shared-state model questions from source: every call to a method named <c>Probe</c> reports
/// PROBE with what the model says there (locks held, confinement), and SHARED with the reason its type is shared, when
/// it is (after registrations are known).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SharedStateProbe : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Probe = new("PROBE", "Probe", "{0}", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor Shared = new("SHARED", "Shared", "{0}", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Probe, Shared);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start => SharedTypeScan.Register(start, (facts, candidates) =>
        {
            foreach (var call in facts.Invocations.Where(i => i.TargetMethod.Name == "Probe"))
            {
                var held = string.Join(",", facts.HeldAt(call).Select(h => TypeFacts.Name(h) + ":" + h.Mode + (h.Key is null ? string.Empty : "[" + h.Key.Syntax + "]")));
                var answer = $"held={held}; confined={facts.IsConfined(call)}";
                candidates.Add(new Candidate(Probe, facts.Type, null, call.Syntax.GetLocation(), null, answer));
                candidates.Add(new Candidate(Shared, facts.Type, null, call.Syntax.GetLocation(), null, null));
            }
        }));
    }
}
