using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1002: a timed acquisition whose result is dropped, never read, or checked by an <c>if</c> that carries on anyway:
/// when the wait times out, the critical section runs without the lock.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoredLockTimeoutAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.IgnoredLockTimeout,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        "Result of a timed lock acquisition ignored",
        "{0}: when the wait times out the code runs unprotected{1}",
        "A timed wait returns whether it acquired the lock. Code that drops the result, stores it without reading it, or logs the timeout and carries on runs its critical section without the lock exactly when the lock is contended, and its release then corrupts the lock. Leave the critical section when the result is false, for example by throwing LockTimeoutException.");

    private static readonly char[] Whitespace = [' ', '\t', '\r', '\n'];

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

            start.RegisterOperationAction(operation => Analyze(operation, apis), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, LockApis apis)
    {
        if (apis.Classify((IInvocationOperation)context.Operation) is not { Operation: LockOperation.TryAcquire } call
            || AcquisitionResults.Inspect(call, apis) is not { } neglect)
        {
            return;
        }

        var text = string.Join(" ", call.Invocation.Syntax.ToString().Split(Whitespace, StringSplitOptions.RemoveEmptyEntries));
        var what = neglect.Kind switch
        {
            ResultNeglect.NeverRead => $"The result of '{text}' is stored in '{neglect.Local!.Name}' but never read",
            ResultNeglect.FallsThrough => $"The result of '{text}' is checked, but the timeout branch falls through into the critical section",
            ResultNeglect.HandleNeverChecked => $"The handle from '{text}' is never checked for IsAcquired",
            _ => $"The result of '{text}' is ignored",
        };
        context.ReportDiagnostic(Diagnostic.Create(Descriptor, call.Invocation.Syntax.GetLocation(), what, Consequence(call, apis)));
    }

    /// <summary>What the unprotected code then does to the lock; disposing a runtime handle that holds nothing does nothing.</summary>
    private static string Consequence(LockCall call, LockApis apis)
    {
        var returned = call.Invocation.TargetMethod.ReturnType;
        if (returned is INamedTypeSymbol { TypeArguments.Length: 1 } task)
        {
            returned = task.TypeArguments[0];
        }

        return call.Family switch
        {
            _ when SymbolEqualityComparer.Default.Equals(returned, apis.LockHandle) => string.Empty,
            LockFamily.SemaphoreSlim or LockFamily.Semaphore => " and its Release() frees a slot it never took",
            _ when call.IsThreadAffine => " and releasing a lock it never took throws",
            _ => string.Empty,
        };
    }
}
