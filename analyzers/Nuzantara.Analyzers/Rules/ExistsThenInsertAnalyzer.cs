using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers.Analysis.Sql;
using Nuzantara.Analyzers.Configuration;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3004: a <c>SELECT</c> that probes a table by key, followed in the same body by an <c>INSERT</c> into that table
/// without <c>ON CONFLICT</c>: two requests both find nothing and both insert. A row lock cannot help — there is no row
/// to lock yet.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ExistsThenInsertAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Which statement of the site's SQL is the <c>INSERT</c>; absent when it is inside a <c>WITH</c> query.</summary>
    internal const string StatementProperty = "Statement";

    /// <summary>The probe's key columns that the <c>INSERT</c> writes, comma-separated: the conflict target for an upsert.</summary>
    internal const string KeyColumnsProperty = "KeyColumns";

    /// <summary>Present when the probe counts or aggregates: the check may be a capacity check, which <c>ON CONFLICT</c> does not fix.</summary>
    internal const string AggregateProbeProperty = "AggregateProbe";

    internal static readonly DiagnosticDescriptor Descriptor = Rule.Create(
        RuleIdentifiers.ExistsThenInsert,
        RuleCategories.CheckThenAct,
        DiagnosticSeverity.Warning,
        "Existence probe, then INSERT without ON CONFLICT",
        "'{0}' probes table '{1}' by ({2}) and '{3}' then inserts into it without ON CONFLICT: a concurrent request can insert the same key in between{4}; a row lock cannot lock a row that does not exist yet",
        "Checking that a key is absent and then inserting it is a check-then-act: two requests both see no row and both insert, which fails with a unique violation or, without a unique constraint, stores the row twice. SELECT … FOR UPDATE does not help, because it locks rows that exist and the row does not exist yet. Insert with INSERT … ON CONFLICT (and lock the row after it exists), or run both statements in a serializable transaction.");

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
        foreach (var insertSite in flow.Sites)
        {
            if (insertSite.Statements.SelectMany(s => s.WithNested()).Any(s => s.Kind == SqlStatementKind.Insert))
            {
                defaultIsolation ??= RuleOptions.DefaultIsolationLevel.GetValue(context.Options.AnalyzerConfigOptionsProvider, insertSite.Operation.Syntax.SyntaxTree);
                ReportFirst(context, flow, insertSite, defaultIsolation.Value);
            }
        }
    }

    /// <summary>Reports the site's first <c>INSERT</c> that an unprotected probe precedes: one diagnostic per site.</summary>
    private static void ReportFirst(OperationBlockAnalysisContext context, SqlFlow flow, SqlSite insertSite, SqlIsolation defaultIsolation)
    {
        var statements = insertSite.Statements;
        for (var index = 0; index < statements.Length; index++)
        {
            foreach (var insert in statements[index].WithNested())
            {
                if (insert.Kind != SqlStatementKind.Insert || insert.OnConflict != SqlConflictAction.None || insert.Target is not { } target
                    || LastProbe(flow, insertSite, insert, target, defaultIsolation) is not { } probe)
                {
                    continue;
                }

                var properties = ImmutableDictionary<string, string?>.Empty.Add(KeyColumnsProperty, string.Join(",", probe.KeyColumns));
                if (insert == statements[index])
                {
                    properties = properties.Add(StatementProperty, index.ToString(CultureInfo.InvariantCulture));
                }

                if (probe.Statement.HasAggregate || probe.Statement.HasGroupBy)
                {
                    properties = properties.Add(AggregateProbeProperty, "true");
                }

                var lockNote = probe.Statement.Locks(probe.Table) ? " (the probe's row lock does not prevent it)" : string.Empty;
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptor,
                    insertSite.Location,
                    ImmutableArray.Create(probe.Site.Location),
                    properties,
                    SqlSite.Describe(probe.Statement),
                    target.ToString(),
                    string.Join(", ", probe.KeyColumns),
                    SqlSite.Describe(insert),
                    lockNote));
                return;
            }
        }
    }

    /// <summary>The last unprotected key probe of the insert's table before the insert.</summary>
    private static Probe? LastProbe(SqlFlow flow, SqlSite insertSite, SqlStatement insert, SqlTable target, SqlIsolation defaultIsolation)
    {
        if (SqlAnalysis.HandlesUniqueViolation(insertSite.Operation.Syntax))
        {
            return null;
        }

        var candidates = flow.StatementsOn(target.Name);
        for (var i = candidates.Count - 1; i >= 0; i--)
        {
            var (site, statement) = candidates[i];
            if (statement.Kind != SqlStatementKind.Select || !SqlAnalysis.RunInSequence(site, insertSite))
            {
                continue;
            }

            // A probe looks up a key; a query that lists rows (ORDER BY without LIMIT 1) loads data, such as a history to append to.
            var table = statement.Sources.FirstOrDefault(t => t.Matches(target) && !t.KeyColumns.IsEmpty);
            if (table is null
                || (statement.HasOrderBy && !statement.LimitsToOneRow)
                || !(insert.InsertColumns.IsEmpty || table.KeyColumns.All(insert.InsertColumns.Contains)))
            {
                continue;
            }

            return IsProtected(flow, site, insertSite, target, defaultIsolation) ? null : new Probe(site, statement, table, table.KeyColumns);
        }

        return null;
    }

    private static bool IsProtected(SqlFlow flow, SqlSite probe, SqlSite insert, SqlTable table, SqlIsolation defaultIsolation)
    {
        if (flow.HasCrossProcessLockBefore(probe.Operation, probe.Function))
        {
            return true;
        }

        var context = flow.ContextOf(probe);
        if (context.IsNone || !context.SameAs(flow.ContextOf(insert)))
        {
            return false;
        }

        // Serializable isolation sees the phantom and aborts one of the two; LOCK TABLE serializes the writers.
        return context.Isolation(defaultIsolation) is SqlIsolation.Serializable or SqlIsolation.Unknown
            || flow.StatementsOn(table.Name).Any(s => s.Site.Position < probe.Position
                && s.Site.Function == probe.Function
                && s.Statement.Kind == SqlStatementKind.Lock && s.Statement.Target is { } locked && locked.Matches(table)
                && flow.ContextOf(s.Site).SameAs(context));
    }

    private sealed class Probe
    {
        internal Probe(SqlSite site, SqlStatement statement, SqlTable table, ImmutableArray<string> keyColumns)
        {
            Site = site;
            Statement = statement;
            Table = table;
            KeyColumns = keyColumns;
        }

        internal SqlSite Site { get; }

        internal SqlStatement Statement { get; }

        internal SqlTable Table { get; }

        internal ImmutableArray<string> KeyColumns { get; }
    }
}
