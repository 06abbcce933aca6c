using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1003: a lock whose release is not guaranteed on every path. An exception, an early <c>return</c> or a statement
/// outside the <c>try</c> leaks it, and every later caller waits for ever; a wait placed inside the <c>try</c> whose
/// <c>finally</c> releases gives back a lock that was never taken when the wait throws, which lets a second flow in.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReleaseNotGuaranteedAnalyzer : DiagnosticAnalyzer
{
    private const string Title = "Lock release not guaranteed";

    private const string Description = "Release a lock in the finally of a try that starts right after the acquisition: `await s.WaitAsync(); try { … } finally { s.Release(); }`, or use a releaser in a `using`. Any other shape either leaks the lock on an exception or early exit, so every later caller waits for ever, or releases a lock that was never taken, so two flows run the critical section together.";

    internal static readonly DiagnosticDescriptor Unprotected = Rule.Create(
        RuleIdentifiers.ReleaseNotGuaranteed,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        Title,
        "{0} is released by '{1}' outside a finally block: an exception in between leaks the lock",
        Description);

    internal static readonly DiagnosticDescriptor EarlyExit = Rule.Create(
        RuleIdentifiers.ReleaseNotGuaranteed,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        Title,
        "{0} is still held when '{1}' leaves: that path never releases the lock",
        Description);

    internal static readonly DiagnosticDescriptor StatementBeforeTry = Rule.Create(
        RuleIdentifiers.ReleaseNotGuaranteed,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        Title,
        "{0} is acquired before '{1}', which runs outside the try whose finally releases it: an exception there leaks the lock",
        Description);

    internal static readonly DiagnosticDescriptor AcquiredInsideTry = Rule.Create(
        RuleIdentifiers.ReleaseNotGuaranteed,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        Title,
        "{0} is acquired by '{1}' inside the try whose finally releases it: if the wait throws or times out, the finally releases a lock that was never taken",
        Description);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Unprotected, EarlyExit, StatementBeforeTry, AcquiredInsideTry);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        LockRegions.RegisterBodyAction(context, Report);
    }

    private static void Report(OperationAnalysisContext context, LockRegions regions)
    {
        foreach (var region in regions.Regions)
        {
            var descriptor = region.Kind switch
            {
                LockRegionKind.Unprotected => Unprotected,
                LockRegionKind.EarlyExit => EarlyExit,
                LockRegionKind.StatementBeforeTry => StatementBeforeTry,
                LockRegionKind.AcquiredInsideTry => AcquiredInsideTry,
                _ => null,
            };
            if (descriptor is null || region.Acquire is null || region.Breaker is null)
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                descriptor,
                region.Acquire.Invocation.Syntax.GetLocation(),
                region.Describe(),
                Excerpt.Of(region.Breaker)));
        }
    }
}
