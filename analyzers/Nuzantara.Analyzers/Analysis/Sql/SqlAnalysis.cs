using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>What the SQL rules share: registration, and the questions they ask of two statements.</summary>
internal static class SqlAnalysis
{
    /// <summary>
    /// Resolves the SQL APIs once per compilation and returns early when none is referenced; then reads each body once
    /// into a <see cref="SqlFlow"/> and hands it to <paramref name="analyze"/> when it holds SQL or a transaction.
    /// </summary>
    internal static void RegisterBodies(AnalysisContext context, Action<OperationBlockAnalysisContext, SqlFlow> analyze)
        => context.RegisterCompilationStartAction(start =>
        {
            var apis = SqlApis.Create(start.Compilation);
            if (apis.IsEmpty)
            {
                return;
            }

            start.RegisterOperationBlockAction(block =>
            {
                foreach (var body in block.OperationBlocks)
                {
                    var flow = SqlFlow.For(body, apis);
                    if (!flow.IsEmpty)
                    {
                        analyze(block, flow);
                    }
                }
            });
        });

    /// <summary>
    /// Two sites whose order in the code is the order they run in, with the application able to act between them: same
    /// body, the first written first, and not two commands of one batch (which run together, in one round trip).
    /// </summary>
    internal static bool RunInSequence(SqlSite first, SqlSite second)
        => first != second
            && first.Position < second.Position
            && first.Function == second.Function
            && !(first.Api == SqlApi.NpgsqlBatchCommand && second.Api == SqlApi.NpgsqlBatchCommand);

    /// <summary>
    /// A <c>try</c> around <paramref name="node"/> catches a unique violation (<c>23505</c>,
    /// <c>PostgresErrorCodes.UniqueViolation</c>): the code expects a concurrent insert of the same key and handles it.
    /// </summary>
    internal static bool HandlesUniqueViolation(SyntaxNode node)
    {
        foreach (var tryStatement in node.Ancestors().OfType<TryStatementSyntax>())
        {
            if (tryStatement.Block.Span.Contains(node.Span)
                && tryStatement.Catches.Any(c => c.ToString() is var text && (text.Contains("23505") || text.Contains("UniqueViolation"))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A column that versions a row for optimistic concurrency: <c>version</c>, <c>row_version</c>, <c>xmin</c>, <c>concurrency_stamp</c>, <c>etag</c>.</summary>
    internal static bool IsVersionColumn(string column)
    {
        var name = column.ToLowerInvariant();
        return name.Contains("version") || name.Contains("concurrency") || name is "xmin" or "etag";
    }

    /// <summary>A column that makes an insert idempotent: an idempotency key, a deduplication key or a request id.</summary>
    internal static bool IsIdempotencyColumn(string column)
    {
        var name = column.ToLowerInvariant().Replace("_", string.Empty);
        return name.Contains("idempotency") || name.Contains("dedup") || name.EndsWith("requestid", StringComparison.Ordinal);
    }
}
