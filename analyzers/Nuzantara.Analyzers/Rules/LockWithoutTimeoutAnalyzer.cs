using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Configuration;

namespace Nuzantara.Analyzers.Rules;

/// <summary>NZ1001: a lock acquired with no timeout turns one stuck holder into a hung service.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockWithoutTimeoutAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property naming the lock family, for the code fix.</summary>
    internal const string FamilyProperty = "Family";

    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.LockWithoutTimeout,
        RuleCategories.LockHygiene,
        DiagnosticSeverity.Warning,
        "Lock acquired without a timeout",
        "{0} is acquired without a timeout: if its holder never releases it, every caller here waits for ever",
        "An acquisition with no timeout turns one stuck holder into a hung service: requests pile up behind the lock until threads, connections or memory run out. Pass a timeout and handle the failure, or use Nuzantara.Concurrency, whose locks time out by default.");

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
        var call = apis.Classify((IInvocationOperation)context.Operation);
        if (call is null || call.Operation == LockOperation.Release || call.Timeout is not (TimeoutKind.None or TimeoutKind.Infinite))
        {
            return;
        }

        if (call.Timeout == TimeoutKind.None
            && call.TakesCancellationToken
            && RuleOptions.AllowCancellationToken.GetValue(context.Options.AnalyzerConfigOptionsProvider, context.Operation.Syntax.SyntaxTree))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(FamilyProperty, call.Family.ToString());
        context.ReportDiagnostic(Diagnostic.Create(Descriptor, call.Invocation.Syntax.GetLocation(), properties, call.Describe()));
    }
}
