using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis.Sql;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ4001: an HTTP request, a message publish, a cache write or background work inside a database transaction, before
/// it commits. If the transaction rolls back, the outside world has seen a change that never happened.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SideEffectInTransactionAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.SideEffectInTransaction,
        RuleCategories.Consistency,
        DiagnosticSeverity.Warning,
        "Side effect inside a database transaction before it commits",
        "'{0}' {1} inside the transaction begun by '{2}', before it commits: if the transaction rolls back, {3}",
        "A transaction can still roll back until it commits: a deadlock, a serialization failure, a lost connection or an exception later in the method undoes its writes, but not an HTTP call already made, a message already published, a cache already written or work already started. Move the effect after the commit, or write it to an outbox table inside the transaction and deliver it after the commit.");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        SqlAnalysis.RegisterBodies(context, Analyze);
    }

    private static void Analyze(OperationBlockAnalysisContext context, SqlFlow flow)
    {
        if (flow.Regions.Count == 0)
        {
            return;
        }

        foreach (var invocation in flow.Invocations)
        {
            if (SideEffects.Classify(invocation, flow.Apis, flow.Locals) is not { } kind
                || flow.RegionAround(invocation) is not { } region
                || (kind == SideEffectKind.Message && RelaysAnOutbox(flow, region)))
            {
                continue;
            }

            var (action, consequence) = SideEffects.Describe(kind);
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptor,
                invocation.Syntax.GetLocation(),
                ImmutableArray.Create(region.Begin.Syntax.GetLocation()),
                Name(invocation),
                action,
                region.Describe(),
                consequence));
        }
    }

    /// <summary>
    /// The transaction reads an outbox table: it is the relay that delivers committed outbox rows, and publishing them
    /// before it marks them sent is how at-least-once delivery works (a rollback only means they are sent again).
    /// </summary>
    private static bool RelaysAnOutbox(SqlFlow flow, TransactionRegion region)
        => flow.Sites.Any(site => region.Contains(site.Operation, site.Function)
            && site.Statements.Any(s => s.Kind == SqlStatementKind.Select && s.Sources.Any(t => t.Name.IndexOf("outbox", StringComparison.OrdinalIgnoreCase) >= 0)));

    /// <summary>The call without its arguments: <c>_bus.PublishAsync</c>, <c>Task.Run</c>.</summary>
    private static string Name(IInvocationOperation invocation)
        => invocation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax { Expression: var expression }
            ? SqlReader.Collapse(expression.ToString())
            : invocation.TargetMethod.Name;
}
