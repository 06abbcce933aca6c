using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Analysis.Sql;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ4002: an <c>INSERT</c> without <c>ON CONFLICT</c> and without an idempotency key, retried by a loop that catches
/// and tries again, by a Polly pipeline or policy, or by EF Core's execution strategy. An attempt that fails after the
/// row was written (a timeout after the commit, a lost reply) is retried and the row is stored twice.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NonIdempotentRetryAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.NonIdempotentRetry,
        RuleCategories.Consistency,
        DiagnosticSeverity.Warning,
        "Retried INSERT that is not idempotent",
        "'{0}' inserts into '{1}' inside {2}, with no ON CONFLICT and no idempotency key: when an attempt fails after the row was written (a timeout after the commit, a lost reply), the retry inserts it again",
        "Retrying is only safe for idempotent operations. An INSERT whose attempt failed may still have been committed — the connection dropped after the commit, the command timed out while the server finished — and the retry then stores the row a second time. Make the insert idempotent: a unique key the client chooses once before the retries (an idempotency key or request id) with INSERT … ON CONFLICT DO NOTHING, or an upsert.");

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
        foreach (var site in flow.Sites)
        {
            var insert = site.Statements.SelectMany(s => s.WithNested()).FirstOrDefault(IsNonIdempotentInsert);
            if (insert is null)
            {
                continue;
            }

            // A command created before the retry and executed inside it is retried all the same.
            var retry = RunsOf(site, flow)
                .Where(run => !SqlAnalysis.HandlesUniqueViolation(run.Syntax))
                .Select(run => RetryAround(run, flow.Apis))
                .FirstOrDefault(found => found is not null);
            if (retry is null || SqlAnalysis.HandlesUniqueViolation(site.Operation.Syntax))
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptor,
                site.Location,
                ImmutableArray.Create(retry.Location),
                SqlSite.Describe(insert),
                insert.Target!.ToString(),
                retry.Description));
        }
    }

    /// <summary>Where the site's SQL runs: the call that receives it, and the <c>Execute*</c> calls of its command.</summary>
    private static IEnumerable<IOperation> RunsOf(SqlSite site, SqlFlow flow)
    {
        yield return site.Operation;
        if (site.CommandLocal is not { } command)
        {
            yield break;
        }

        foreach (var invocation in flow.CallsOn(command))
        {
            if (invocation.TargetMethod.Name.StartsWith("Execute", StringComparison.Ordinal))
            {
                yield return invocation;
            }
        }
    }

    private static bool IsNonIdempotentInsert(SqlStatement statement)
        => statement is { Kind: SqlStatementKind.Insert, OnConflict: SqlConflictAction.None, HasNotExists: false, Target: not null }
            && !statement.InsertColumns.Any(SqlAnalysis.IsIdempotencyColumn);

    /// <summary>The innermost retry around <paramref name="operation"/>: a retrying call it is passed to, or a retry loop.</summary>
    private static Retry? RetryAround(IOperation operation, SqlApis apis)
    {
        var tries = new List<ITryOperation>();
        var child = operation;
        for (var parent = operation.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case ILocalFunctionOperation:
                    // A local function runs where it is called, not where it is written.
                    return null;
                case ITryOperation tryOperation when tryOperation.Body == child:
                    tries.Add(tryOperation);
                    break;
                case IAnonymousFunctionOperation lambda when CallReceiving(lambda) is { } call && RetryingCall(call, apis) is { } description:
                    return new Retry(description, call.Syntax.GetLocation());
                case ILoopOperation { LoopKind: LoopKind.While or LoopKind.For } loop when tries.FirstOrDefault(t => IsRetryLoop(loop, t, operation.Syntax.SpanStart)) is { } retried:
                    return new Retry("a retry loop (catch, then try again)", retried.Syntax.GetLocation());
            }
        }

        return null;
    }

    private static IInvocationOperation? CallReceiving(IAnonymousFunctionOperation lambda)
    {
        var current = lambda.Parent;
        while (current is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        return current is IArgumentOperation { Parent: IInvocationOperation call } ? call : null;
    }

    private static string? RetryingCall(IInvocationOperation call, SqlApis apis)
    {
        var method = call.TargetMethod;
        var space = method.ContainingType?.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        var callee = call.Syntax is InvocationExpressionSyntax { Expression: var expression } ? SqlReader.Collapse(expression.ToString()) : method.Name;
        if (space == "Polly" || space.StartsWith("Polly.", StringComparison.Ordinal))
        {
            return method.Name.Contains("Execute") ? $"the Polly call '{callee}'" : null;
        }

        if (method.Name.StartsWith("Execute", StringComparison.Ordinal)
            && (SqlApis.IsOrImplements(method.ContainingType, apis.EfExecutionStrategy) || SqlApis.Is(method.ContainingType, apis.EfExecutionStrategyExtensions)))
        {
            return $"EF Core's execution strategy ('{callee}')";
        }

        return method.Name.StartsWith("Retry", StringComparison.Ordinal) || method.Name.Contains("WithRetry")
            ? $"the retrying call '{callee}'"
            : null;
    }

    /// <summary>
    /// A <c>for</c>/<c>while</c>/<c>do</c> loop that runs the <c>try</c> again after one of its <c>catch</c> clauses, and
    /// leaves on success (a <c>return</c> or <c>break</c> outside the catches, or a flag the loop condition reads). A
    /// <c>foreach</c> over items with a try/catch per item is not a retry.
    /// </summary>
    private static bool IsRetryLoop(ILoopOperation loop, ITryOperation tryOperation, int insertPosition)
    {
        if (loop.Syntax is not (WhileStatementSyntax or ForStatementSyntax or DoStatementSyntax) || tryOperation.Syntax is not TryStatementSyntax tryStatement)
        {
            return false;
        }

        var catchesAndRetries = tryStatement.Catches.Any(c => CatchRetries(c, loop.Syntax));
        if (!catchesAndRetries)
        {
            return false;
        }

        // The success path leaves: a return or break in the try block, or right after the try statement.
        var next = tryStatement.Parent is BlockSyntax block && block.Statements.IndexOf(tryStatement) is var index && index + 1 < block.Statements.Count
            ? block.Statements[index + 1]
            : null;
        // Only an exit after the insert marks its success: `if (job is null) return;` before it is a work loop's end.
        var leavesOnSuccess = tryStatement.Block.DescendantNodes().Any(n => n is ReturnStatementSyntax or BreakStatementSyntax && n.SpanStart > insertPosition && Exits(n, loop.Syntax))
            || (next is ReturnStatementSyntax or BreakStatementSyntax && Exits(next, loop.Syntax));
        if (leavesOnSuccess)
        {
            return true;
        }

        // while (!saved) { try { …; saved = true; } catch { … } }
        var condition = loop.Syntax switch
        {
            WhileStatementSyntax whileStatement => whileStatement.Condition,
            DoStatementSyntax doStatement => doStatement.Condition,
            ForStatementSyntax forStatement => forStatement.Condition,
            _ => null,
        };
        var flags = condition?.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Select(i => i.Identifier.ValueText).ToImmutableHashSet() ?? ImmutableHashSet<string>.Empty;
        return tryStatement.Block.DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Any(a => a.SpanStart > insertPosition && a.Left is IdentifierNameSyntax { Identifier.ValueText: var name } && flags.Contains(name));
    }

    /// <summary>The catch lets the loop go round again: it falls through, or continues this loop.</summary>
    private static bool CatchRetries(CatchClauseSyntax catchClause, SyntaxNode loop)
    {
        var statements = catchClause.Block.Statements;
        if (statements.Count == 0 || statements.Last() is not (ThrowStatementSyntax or ReturnStatementSyntax or BreakStatementSyntax))
        {
            return true;
        }

        return catchClause.Block.DescendantNodes().OfType<ContinueStatementSyntax>().Any(c => Exits(c, loop));
    }

    /// <summary>A <c>return</c> (not of a nested lambda or local function), or a <c>break</c>/<c>continue</c> that belongs to <paramref name="loop"/>.</summary>
    private static bool Exits(SyntaxNode jump, SyntaxNode loop)
    {
        foreach (var ancestor in jump.Ancestors())
        {
            if (ancestor == loop)
            {
                return true;
            }

            if (ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return false;
            }

            if (jump is not ReturnStatementSyntax && ancestor is WhileStatementSyntax or ForStatementSyntax or DoStatementSyntax or ForEachStatementSyntax
                || (jump is BreakStatementSyntax && ancestor is SwitchStatementSyntax))
            {
                return false;
            }
        }

        return false;
    }

    private sealed class Retry
    {
        internal Retry(string description, Location location)
        {
            Description = description;
            Location = location;
        }

        internal string Description { get; }

        internal Location Location { get; }
    }
}
