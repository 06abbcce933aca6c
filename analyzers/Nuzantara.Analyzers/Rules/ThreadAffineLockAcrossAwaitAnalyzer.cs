using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1005: a lock owned by a thread (<c>Monitor</c>, <c>ReaderWriterLockSlim</c>, <c>Mutex</c>, <c>SpinLock</c>,
/// <c>System.Threading.Lock</c>) held across an <c>await</c>. The code after the await may resume on another thread,
/// which cannot release it: the release throws and the lock stays held by a thread that has moved on.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ThreadAffineLockAcrossAwaitAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.ThreadAffineLockAcrossAwait,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        "Thread-affine lock held across await",
        "{0} is held across '{1}': the code after the await may run on another thread, whose release throws and leaves the lock held",
        "Monitor, ReaderWriterLockSlim, Mutex, SpinLock and System.Threading.Lock belong to the thread that acquired them. After an await the method may continue on another thread: releasing there throws SynchronizationLockException or ApplicationException, and the owner thread, now back in the pool, holds the lock for ever. Use an async lock such as Nuzantara.Concurrency.AsyncLock.");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptor);

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
            // Only pairings with a release in this body: lock statements and EnterScope() blocks cannot contain an await
            // (the compiler rejects them), and a lock handed on is released, and judged, elsewhere.
            if (region.Acquire is null || region.Releases.IsEmpty || !region.IsThreadAffine || region.Awaits.IsEmpty)
            {
                continue;
            }

            var firstAwait = region.Awaits[0].Syntax;
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptor,
                region.Acquire.Invocation.Syntax.GetLocation(),
                region.Describe(),
                Excerpt.Of(firstAwait)));
        }
    }
}
