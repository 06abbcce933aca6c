using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers.Analysis.Sql;
using Nuzantara.Analyzers.Configuration;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3003: a <c>SELECT</c> of a table without a row lock, followed in the same body by an <c>UPDATE</c> or
/// <c>DELETE</c> of that table, outside a serializable (or repeatable read) transaction: the classic lost update.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SelectThenUpdateAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Which statement of the site's SQL is the <c>SELECT</c> (its index among the statements).</summary>
    internal const string StatementProperty = "Statement";

    /// <summary>The table read and written, as the <c>SELECT</c> names it (alias or name).</summary>
    internal const string TableProperty = "Table";

    /// <summary>What the code fix may do: <see cref="ForUpdate"/>, <see cref="ForUpdateInNewTransaction"/>, <see cref="NewTransaction"/>, or nothing.</summary>
    internal const string FixProperty = "Fix";

    /// <summary>Append <c>FOR UPDATE</c>: both statements already run in one transaction.</summary>
    internal const string ForUpdate = "ForUpdate";

    /// <summary>Append <c>FOR UPDATE</c> and open a transaction around both statements.</summary>
    internal const string ForUpdateInNewTransaction = "ForUpdateInNewTransaction";

    /// <summary>The <c>SELECT</c> locks already, but no transaction keeps the lock: open one.</summary>
    internal const string NewTransaction = "NewTransaction";

    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.SelectThenUpdate,
        RuleCategories.CheckThenAct,
        DiagnosticSeverity.Warning,
        "Row read, then written, without a row lock",
        "'{0}' reads table '{1}' {2}, and '{3}' then writes it: a concurrent request can change the row in between, and one of the two writes is lost",
        "A SELECT followed by an UPDATE or DELETE of the same table is a check-then-act: under PostgreSQL's default read committed isolation another transaction can change or delete the row between the two, and the write acts on a stale read. Lock the row (SELECT … FOR UPDATE inside the transaction that writes it), make the write atomic (UPDATE … SET n = n + 1, or a WHERE that re-checks the condition), or use a serializable transaction.");

    private const string NoLock = "without a row lock, outside a serializable transaction";
    private const string LockWithoutTransaction = "with a row lock, but outside any transaction, so the lock ends with the SELECT";
    private const string LockEndsBeforeWrite = "with a row lock, but the write runs outside the transaction that holds it";

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
        SqlIsolation? defaultIsolation = null;
        foreach (var read in flow.Sites)
        {
            if (read.Statements.Any(s => s.Kind == SqlStatementKind.Select))
            {
                defaultIsolation ??= RuleOptions.DefaultIsolationLevel.GetValue(context.Options.AnalyzerConfigOptionsProvider, read.Operation.Syntax.SyntaxTree);
                ReportFirst(context, flow, read, defaultIsolation.Value);
            }
        }
    }

    /// <summary>Reports the site's first <c>SELECT</c> whose table a later statement writes unprotected: one diagnostic per site.</summary>
    private static void ReportFirst(OperationBlockAnalysisContext context, SqlFlow flow, SqlSite read, SqlIsolation defaultIsolation)
    {
        for (var index = 0; index < read.Statements.Length; index++)
        {
            var select = read.Statements[index];
            if (select.Kind != SqlStatementKind.Select)
            {
                continue;
            }

            foreach (var table in select.Sources.Where(t => t.IsTopLevel))
            {
                if (FirstUnprotectedWrite(flow, read, select, table, defaultIsolation) is not { } finding)
                {
                    continue;
                }

                var properties = ImmutableDictionary<string, string?>.Empty
                    .Add(StatementProperty, index.ToString(CultureInfo.InvariantCulture))
                    .Add(TableProperty, table.Reference)
                    .Add(FixProperty, finding.Fix);
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptor,
                    read.Location,
                    ImmutableArray.Create(finding.Write.Location),
                    properties,
                    SqlSite.Describe(select),
                    table.ToString(),
                    finding.Reason,
                    SqlSite.Describe(finding.Statement)));
                return;
            }
        }
    }

    private static Finding? FirstUnprotectedWrite(SqlFlow flow, SqlSite read, SqlStatement select, SqlTable table, SqlIsolation defaultIsolation)
    {
        var readContext = flow.ContextOf(read);
        foreach (var (write, statement) in flow.StatementsOn(table.Name))
        {
            if (!SqlAnalysis.RunInSequence(read, write)
                || statement.Kind is not (SqlStatementKind.Update or SqlStatementKind.Delete)
                || statement.Target is not { } target
                || !target.Matches(table)
                || RechecksInTheWrite(select, statement))
            {
                continue;
            }

            if (Check(flow, read, select, table, write, readContext, defaultIsolation) is { } finding)
            {
                return new Finding(write, statement, finding.Reason, finding.Fix);
            }
        }

        return null;
    }

    /// <summary>The write does not act on the stale read: it computes from the row's current value, or re-checks it.</summary>
    private static bool RechecksInTheWrite(SqlStatement select, SqlStatement write)
    {
        if (write.IsAtomicUpdate)
        {
            return true;
        }

        var whereColumns = write.WhereKeyColumns.Concat(write.WhereOtherColumns).ToList();
        if (whereColumns.Any(SqlAnalysis.IsVersionColumn))
        {
            // Optimistic concurrency: WHERE version = @version fails when another writer got there first.
            return true;
        }

        if (write.Kind == SqlStatementKind.Update && whereColumns.Any(write.SetColumns.Contains))
        {
            // Compare-and-set: UPDATE jobs SET status = 'running' WHERE status = 'pending'.
            return true;
        }

        // The write re-states a condition on what the SELECT read: UPDATE orders SET … WHERE id = @id AND status = 'paid'.
        return write.HasOtherWhereCondition && (select.SelectsAll || write.WhereOtherColumns.Any(select.SelectColumns.Contains));
    }

    private static (string Reason, string Fix)? Check(SqlFlow flow, SqlSite read, SqlStatement select, SqlTable table, SqlSite write, TransactionContext readContext, SqlIsolation defaultIsolation)
    {
        if (flow.HasCrossProcessLockBefore(read.Operation, read.Function))
        {
            return null;
        }

        var writeContext = flow.ContextOf(write);
        var sameTransaction = !readContext.IsNone && readContext.SameAs(writeContext);
        if (sameTransaction && readContext.Isolation(defaultIsolation) is SqlIsolation.RepeatableRead or SqlIsolation.Serializable or SqlIsolation.Snapshot or SqlIsolation.Unknown)
        {
            // PostgreSQL aborts the second writer of a row under repeatable read and serializable.
            return null;
        }

        if (!IsLocked(flow, read, select, table, readContext))
        {
            var fix = readContext.IsNone && writeContext.IsNone ? ForUpdateInNewTransaction : sameTransaction ? ForUpdate : string.Empty;
            return (NoLock, fix);
        }

        if (sameTransaction)
        {
            return null;
        }

        if (readContext.IsNone)
        {
            // Without a visible transaction the lock is useless only when no caller can have one open on the connection.
            return writeContext.IsNone && flow.OriginOf(read) is ConnectionOrigin.Local or ConnectionOrigin.Pooled
                ? (LockWithoutTransaction, flow.OriginOf(read) == ConnectionOrigin.Local ? NewTransaction : string.Empty)
                : null;
        }

        return (LockEndsBeforeWrite, string.Empty);
    }

    /// <summary>The <c>SELECT</c> locks the table's rows, or an earlier statement of the same transaction does.</summary>
    private static bool IsLocked(SqlFlow flow, SqlSite read, SqlStatement select, SqlTable table, TransactionContext readContext)
    {
        if (select.Locks(table))
        {
            return true;
        }

        return !readContext.IsNone
            && flow.StatementsOn(table.Name).Any(earlier => earlier.Site.Position < read.Position
                && earlier.Site.Function == read.Function
                && ((earlier.Statement.Kind == SqlStatementKind.Select && earlier.Statement.Locks(table))
                    || (earlier.Statement.Kind == SqlStatementKind.Lock && earlier.Statement.Target is { } locked && locked.Matches(table)))
                && flow.ContextOf(earlier.Site).SameAs(readContext));
    }

    private sealed class Finding
    {
        internal Finding(SqlSite write, SqlStatement statement, string reason, string fix)
        {
            Write = write;
            Statement = statement;
            Reason = reason;
            Fix = fix;
        }

        internal SqlSite Write { get; }

        internal SqlStatement Statement { get; }

        internal string Reason { get; }

        internal string Fix { get; }
    }
}
