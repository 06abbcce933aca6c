using System.Collections.Immutable;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>What a statement does, by its leading keyword (after any <c>WITH</c> list).</summary>
internal enum SqlStatementKind
{
    Select,
    Insert,
    Update,
    Delete,
    Merge,

    /// <summary><c>BEGIN</c> or <c>START TRANSACTION</c>.</summary>
    Begin,

    /// <summary><c>COMMIT</c> or <c>END</c>.</summary>
    Commit,

    /// <summary><c>ROLLBACK</c> or <c>ABORT</c> (not <c>ROLLBACK TO SAVEPOINT</c>, which leaves the transaction open).</summary>
    Rollback,

    /// <summary><c>SET TRANSACTION …</c> or <c>SET SESSION CHARACTERISTICS AS TRANSACTION …</c>.</summary>
    SetTransaction,

    /// <summary><c>LOCK [TABLE] name</c>.</summary>
    Lock,

    Other,
}

/// <summary>The row lock a <c>SELECT</c> takes, weakest first.</summary>
internal enum SqlRowLock
{
    None,
    KeyShare,
    Share,
    NoKeyUpdate,
    Update,
}

/// <summary>An isolation level, as SQL or <c>System.Data.IsolationLevel</c> names it.</summary>
internal enum SqlIsolation
{
    /// <summary>Not stated: the server's default applies.</summary>
    Unspecified,
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    Serializable,
    Snapshot,

    /// <summary>Stated, but not as a constant the analysis can read.</summary>
    Unknown,
}

/// <summary>What an <c>INSERT</c> does when a row with the same key exists.</summary>
internal enum SqlConflictAction
{
    /// <summary>No <c>ON CONFLICT</c>: the insert fails with a unique violation.</summary>
    None,

    /// <summary><c>ON CONFLICT … DO NOTHING</c>, or MySQL's <c>INSERT IGNORE</c>.</summary>
    DoNothing,

    /// <summary><c>ON CONFLICT … DO UPDATE</c>, or MySQL's <c>ON DUPLICATE KEY UPDATE</c>.</summary>
    DoUpdate,
}

/// <summary>A table named in a statement.</summary>
internal sealed class SqlTable
{
    internal SqlTable(string? schema, string name, string? alias, bool isTopLevel, bool isNullable, bool hasLockHint, ImmutableArray<string> keyColumns)
    {
        Schema = schema;
        Name = name;
        Alias = alias;
        IsTopLevel = isTopLevel;
        IsNullable = isNullable;
        HasLockHint = hasLockHint;
        KeyColumns = keyColumns;
    }

    /// <summary>Lower-cased unless quoted; null when the name is unqualified.</summary>
    internal string? Schema { get; }

    /// <summary>Lower-cased unless quoted, so two references compare with ordinal equality, as PostgreSQL folds names.</summary>
    internal string Name { get; }

    internal string? Alias { get; }

    /// <summary>In the statement's own <c>FROM</c>/target, not in a subquery or a <c>WITH</c> query.</summary>
    internal bool IsTopLevel { get; }

    /// <summary>On the nullable side of an outer join, where PostgreSQL refuses <c>FOR UPDATE</c>.</summary>
    internal bool IsNullable { get; }

    /// <summary>SQL Server's <c>WITH (UPDLOCK)</c>, <c>XLOCK</c> or <c>HOLDLOCK</c> table hint.</summary>
    internal bool HasLockHint { get; }

    /// <summary>Columns the <c>WHERE</c> of this table's query level compares with a parameter or a number (<c>col = @p</c>).</summary>
    internal ImmutableArray<string> KeyColumns { get; }

    /// <summary>How SQL refers to the table inside its statement: the alias, else the name.</summary>
    internal string Reference => Alias ?? Name;

    /// <summary>Same table: same name, and same schema when both name one.</summary>
    internal bool Matches(SqlTable other)
        => Name == other.Name && (Schema is null || other.Schema is null || Schema == other.Schema);

    public override string ToString() => Schema is null ? Name : Schema + "." + Name;
}

/// <summary>
/// What <see cref="SqlReader"/> learned about one statement. It reads only what the rules ask; anything it does not
/// recognise leaves the corresponding member empty rather than guessed.
/// </summary>
internal sealed class SqlStatement
{
    internal SqlStatementKind Kind { get; set; } = SqlStatementKind.Other;

    /// <summary>The statement's first keyword after any <c>WITH</c> list, lower-cased.</summary>
    internal string Keyword { get; set; } = string.Empty;

    /// <summary>Offset of the first token in the SQL text.</summary>
    internal int Start { get; set; }

    /// <summary>Just past the last token: trailing comments, whitespace and the <c>;</c> are outside.</summary>
    internal int End { get; set; }

    /// <summary>The statement's text with whitespace collapsed, for messages.</summary>
    internal string Text { get; set; } = string.Empty;

    /// <summary>The table written by <c>INSERT INTO</c>, <c>UPDATE</c>, <c>DELETE FROM</c>, <c>MERGE INTO</c> or locked by <c>LOCK</c>.</summary>
    internal SqlTable? Target { get; set; }

    /// <summary>Tables read: <c>FROM</c>, <c>JOIN</c>, <c>USING</c>, and those of subqueries and <c>WITH</c> queries.</summary>
    internal ImmutableArray<SqlTable> Sources { get; set; } = ImmutableArray<SqlTable>.Empty;

    /// <summary>Columns of the top-level <c>WHERE</c> compared with a parameter or a number.</summary>
    internal ImmutableArray<string> WhereKeyColumns { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>Columns named by the other top-level <c>WHERE</c> conditions (<c>balance &gt;= @x</c>, <c>status = 'open'</c>).</summary>
    internal ImmutableArray<string> WhereOtherColumns { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>The top-level <c>WHERE</c> holds a condition that is not <c>column = parameter</c>.</summary>
    internal bool HasOtherWhereCondition { get; set; }

    internal SqlRowLock RowLock { get; set; }

    /// <summary>The names after <c>FOR UPDATE OF</c>; empty when the lock covers every table of the <c>FROM</c>.</summary>
    internal ImmutableArray<string> LockedReferences { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>Columns named in the top-level select list (a <c>SELECT</c>'s output, as far as it names columns).</summary>
    internal ImmutableArray<string> SelectColumns { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>The top-level select list has <c>*</c> or <c>t.*</c>.</summary>
    internal bool SelectsAll { get; set; }

    internal bool HasAggregate { get; set; }

    internal bool HasGroupBy { get; set; }

    internal bool HasDistinct { get; set; }

    /// <summary><c>UNION</c>, <c>INTERSECT</c> or <c>EXCEPT</c>.</summary>
    internal bool HasSetOperation { get; set; }

    internal bool HasWindow { get; set; }

    /// <summary>A top-level <c>ORDER BY</c>: the query lists rows.</summary>
    internal bool HasOrderBy { get; set; }

    /// <summary><c>LIMIT 1</c> or <c>FETCH FIRST [1] ROW ONLY</c> at the top level.</summary>
    internal bool LimitsToOneRow { get; set; }

    /// <summary>A <c>NOT EXISTS (…)</c> condition anywhere in the statement.</summary>
    internal bool HasNotExists { get; set; }

    /// <summary>The column list of an <c>INSERT</c>; empty when it names none.</summary>
    internal ImmutableArray<string> InsertColumns { get; set; } = ImmutableArray<string>.Empty;

    internal SqlConflictAction OnConflict { get; set; }

    /// <summary>The conflict target of <c>ON CONFLICT (…)</c>; empty for none or <c>ON CONSTRAINT</c>.</summary>
    internal ImmutableArray<string> ConflictColumns { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>Offset of the <c>RETURNING</c> keyword; -1 when there is none.</summary>
    internal int ReturningStart { get; set; } = -1;

    /// <summary>Columns assigned by <c>UPDATE … SET</c>.</summary>
    internal ImmutableArray<string> SetColumns { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>Columns whose new value is computed from their own current value: <c>SET n = n + 1</c>.</summary>
    internal ImmutableArray<string> SelfReferencingColumns { get; set; } = ImmutableArray<string>.Empty;

    /// <summary>The isolation level named by <c>BEGIN</c>, <c>START TRANSACTION</c> or <c>SET TRANSACTION</c>.</summary>
    internal SqlIsolation Isolation { get; set; }

    /// <summary>Calls <c>pg_advisory_lock</c>, <c>pg_advisory_xact_lock</c> or a <c>pg_try_advisory…</c> variant.</summary>
    internal bool TakesAdvisoryLock { get; set; }

    /// <summary>Data-modifying statements of the <c>WITH</c> list (<c>WITH moved AS (DELETE … RETURNING *) …</c>).</summary>
    internal ImmutableArray<SqlStatement> Nested { get; set; } = ImmutableArray<SqlStatement>.Empty;

    internal bool IsWrite => Kind is SqlStatementKind.Insert or SqlStatementKind.Update or SqlStatementKind.Delete or SqlStatementKind.Merge;

    /// <summary>Every <c>SET</c> assignment computes from the column's own value, so concurrent updates compose instead of overwriting.</summary>
    internal bool IsAtomicUpdate => Kind == SqlStatementKind.Update && SetColumns.Length > 0 && SetColumns.All(c => SelfReferencingColumns.Contains(c));

    /// <summary>This <c>SELECT</c> row-locks <paramref name="table"/> (by <c>FOR …</c> or a lock hint).</summary>
    internal bool Locks(SqlTable table)
        => Sources.Any(source => source.Matches(table) && source.IsTopLevel
            && (source.HasLockHint || (RowLock != SqlRowLock.None && (LockedReferences.IsEmpty || LockedReferences.Contains(source.Reference) || LockedReferences.Contains(source.Name)))));

    /// <summary>A top-level source of this statement matching <paramref name="table"/>, if any.</summary>
    internal SqlTable? Reads(SqlTable table) => Sources.FirstOrDefault(source => source.Matches(table));

    /// <summary>This statement and the data-modifying statements of its <c>WITH</c> list.</summary>
    internal IEnumerable<SqlStatement> WithNested() => new[] { this }.Concat(Nested);

    public override string ToString() => Text;
}

/// <summary>Reads isolation levels as <c>.editorconfig</c> writes them.</summary>
internal static class SqlIsolationNames
{
    /// <summary><c>read_committed</c>, <c>repeatable_read</c>, <c>serializable</c> (also with spaces or dashes, any case).</summary>
    internal static bool TryParse(string text, out SqlIsolation isolation)
    {
        isolation = text.Replace(" ", "_").Replace("-", "_").ToLowerInvariant() switch
        {
            "read_uncommitted" => SqlIsolation.ReadUncommitted,
            "read_committed" => SqlIsolation.ReadCommitted,
            "repeatable_read" => SqlIsolation.RepeatableRead,
            "serializable" => SqlIsolation.Serializable,
            _ => SqlIsolation.Unspecified,
        };
        return isolation != SqlIsolation.Unspecified;
    }
}
