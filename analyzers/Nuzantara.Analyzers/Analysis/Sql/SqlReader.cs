using System.Collections.Immutable;
using System.Text;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>
/// A small SQL reader, not a parser: it walks the tokens of each statement and keeps what the SQL rules need — the
/// statement kind, target and source tables (schema, alias), the <c>WHERE</c> key columns, row locks, <c>ON CONFLICT</c>,
/// <c>RETURNING</c>, self-referencing <c>SET</c> assignments, transaction control. The dialect is PostgreSQL's, with
/// the few MySQL and SQL Server forms that change a rule's answer (<c>INSERT IGNORE</c>, <c>ON DUPLICATE KEY UPDATE</c>,
/// <c>LOCK IN SHARE MODE</c>, <c>WITH (UPDLOCK)</c>). It never throws; what it does not recognise stays empty.
/// </summary>
internal static class SqlReader
{
    private static readonly ImmutableHashSet<string> Aggregates = ImmutableHashSet.Create(
        StringComparer.Ordinal, "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg", "bool_and", "bool_or", "every", "json_object_agg", "jsonb_object_agg");

    /// <summary>Words that end a <c>FROM</c> list or a <c>WHERE</c> clause at the query's own level.</summary>
    private static readonly ImmutableHashSet<string> ClauseWords = ImmutableHashSet.Create(
        StringComparer.Ordinal, "where", "group", "having", "window", "order", "limit", "offset", "fetch", "for", "union", "intersect", "except", "returning", "lock");

    private static readonly ImmutableHashSet<string> JoinWords = ImmutableHashSet.Create(
        StringComparer.Ordinal, "join", "inner", "left", "right", "full", "outer", "cross", "natural");

    /// <summary>Words that are never an alias after a table name.</summary>
    private static readonly ImmutableHashSet<string> NotAliases = ClauseWords.Union(JoinWords).Union(new[]
    {
        "on", "using", "set", "values", "select", "default", "as", "with", "lateral", "tablesample", "do", "when", "then", "overriding", "into", "from", "only",
    });

    /// <summary>Words inside expressions that are not column names.</summary>
    private static readonly ImmutableHashSet<string> ExpressionWords = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "and", "or", "not", "null", "is", "in", "like", "ilike", "similar", "between", "true", "false", "exists", "any", "all", "some", "case", "when",
        "then", "else", "end", "as", "cast", "interval", "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
        "current_user", "session_user", "user", "default", "distinct", "from", "escape", "collate", "at", "time", "zone", "asc", "desc", "nulls",
        "first", "last", "array", "row", "date", "timestamp", "isnull", "notnull", "unknown", "of", "current", "select", "symmetric", "to", "for");

    private static readonly ImmutableHashSet<string> ComparisonWords = ImmutableHashSet.Create(
        StringComparer.Ordinal, "like", "ilike", "similar", "in", "is", "between", "not", "isnull", "notnull", "any", "all", "some", "exists", "current");

    /// <summary>Reads every <c>;</c>-separated statement of <paramref name="sql"/>, in order.</summary>
    internal static ImmutableArray<SqlStatement> Read(string sql)
    {
        var tokens = SqlTokenizer.Tokenize(sql);
        var statements = ImmutableArray.CreateBuilder<SqlStatement>();
        var from = 0;
        for (var i = 0; i <= tokens.Length; i++)
        {
            if (i == tokens.Length || tokens[i].IsPunctuation(";"))
            {
                if (i > from)
                {
                    statements.Add(new Parser(sql, tokens).Statement(from, i));
                }

                from = i + 1;
            }
        }

        return statements.ToImmutable();
    }

    /// <summary>Whitespace runs collapsed to one space.</summary>
    internal static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>A table reference of one query level, before the level's <c>WHERE</c> tells its key columns.</summary>
    private sealed class PendingTable
    {
        internal PendingTable(string? schema, string name, string? alias, bool hasLockHint)
        {
            Schema = schema;
            Name = name;
            Alias = alias;
            HasLockHint = hasLockHint;
        }

        internal string? Schema { get; }

        internal string Name { get; }

        internal string? Alias { get; }

        internal bool HasLockHint { get; }

        internal bool IsNullable { get; set; }

        internal SqlTable Complete(bool isTopLevel, List<(string? Qualifier, string Column)> keys)
            => new(
                Schema,
                Name,
                Alias,
                isTopLevel,
                IsNullable,
                HasLockHint,
                keys.Where(k => k.Qualifier is null || k.Qualifier == (Alias ?? Name) || k.Qualifier == Name).Select(k => k.Column).Distinct().ToImmutableArray());
    }

    /// <summary>The conditions of one <c>WHERE</c>, split into <c>column = parameter</c> keys and the rest.</summary>
    private sealed class Conditions
    {
        internal List<(string? Qualifier, string Column)> Keys { get; } = new();

        internal List<(string? Qualifier, string Column)> OtherColumns { get; } = new();

        internal bool HasOther { get; set; }
    }

    private sealed class Parser
    {
        private readonly string _sql;
        private readonly ImmutableArray<SqlToken> _t;
        private readonly HashSet<string> _cteNames = new(StringComparer.Ordinal);
        private readonly List<SqlTable> _sources = new();
        private SqlStatement _statement = new();

        internal Parser(string sql, ImmutableArray<SqlToken> tokens)
        {
            _sql = sql;
            _t = tokens;
        }

        internal SqlStatement Statement(int from, int to)
        {
            var statement = new SqlStatement
            {
                Start = _t[from].Start,
                End = _t[to - 1].End,
                Text = Collapse(_sql.Substring(_t[from].Start, _t[to - 1].End - _t[from].Start)),
            };
            var outer = _statement;
            var outerSources = _sources.ToList();
            _statement = statement;
            _sources.Clear();

            var nested = new List<SqlStatement>();
            var i = from;
            if (IsWord(i, "with"))
            {
                i = With(i + 1, to, nested);
            }

            statement.Keyword = i < to && _t[i].Kind == SqlTokenKind.Word ? _t[i].Value : string.Empty;
            switch (statement.Keyword)
            {
                case "select" or "values" or "table":
                    statement.Kind = SqlStatementKind.Select;
                    Query(i, to, topLevel: true);
                    break;
                case "insert":
                    Insert(i + 1, to);
                    break;
                case "update":
                    Update(i + 1, to);
                    break;
                case "delete":
                    Delete(i + 1, to);
                    break;
                case "merge":
                    Merge(i + 1, to);
                    break;
                case "begin" or "start":
                    statement.Kind = SqlStatementKind.Begin;
                    statement.Isolation = Isolation(i, to);
                    break;
                case "commit" or "end":
                    statement.Kind = SqlStatementKind.Commit;
                    break;
                case "rollback" or "abort":
                    // ROLLBACK TO SAVEPOINT leaves the transaction open.
                    statement.Kind = IsWord(i + 1, "to") ? SqlStatementKind.Other : SqlStatementKind.Rollback;
                    break;
                case "set" when IsWord(i + 1, "transaction") || (IsWord(i + 1, "session") && IsWord(i + 2, "characteristics")):
                    statement.Kind = SqlStatementKind.SetTransaction;
                    statement.Isolation = Isolation(i, to);
                    break;
                case "lock":
                    statement.Kind = SqlStatementKind.Lock;
                    var name = i + 1;
                    name = IsWord(name, "table") ? name + 1 : name;
                    name = IsWord(name, "only") ? name + 1 : name;
                    if (TableName(name, to, out _) is { } locked)
                    {
                        statement.Target = new SqlTable(locked.Schema, locked.Name, null, isTopLevel: true, isNullable: false, hasLockHint: false, ImmutableArray<string>.Empty);
                    }

                    break;
                default:
                    Nested(i, to);
                    break;
            }

            for (var k = from; k < to; k++)
            {
                if (_t[k].Kind == SqlTokenKind.Word && (_t[k].Value.StartsWith("pg_advisory", StringComparison.Ordinal) || _t[k].Value.StartsWith("pg_try_advisory", StringComparison.Ordinal)))
                {
                    statement.TakesAdvisoryLock = true;
                }
            }

            statement.Sources = _sources.ToImmutableArray();
            statement.Nested = nested.ToImmutableArray();
            _statement = outer;
            _sources.Clear();
            _sources.AddRange(outerSources);
            return statement;
        }

        // WITH [RECURSIVE] name [(columns)] AS [NOT] [MATERIALIZED] (body) [, …]
        private int With(int i, int to, List<SqlStatement> nested)
        {
            i = IsWord(i, "recursive") ? i + 1 : i;
            while (i < to && _t[i].IsName)
            {
                _cteNames.Add(_t[i].Value);
                i++;
                if (IsPunctuation(i, "("))
                {
                    i = Match(i, to) + 1;
                }

                i = IsWord(i, "as") ? i + 1 : i;
                i = IsWord(i, "not") ? i + 1 : i;
                i = IsWord(i, "materialized") ? i + 1 : i;
                if (!IsPunctuation(i, "("))
                {
                    break;
                }

                var close = Match(i, to);
                if (close > i + 1)
                {
                    var body = Statement(i + 1, close);
                    if (body.IsWrite)
                    {
                        nested.Add(body);
                    }

                    _statement.HasNotExists |= body.HasNotExists;
                    _sources.AddRange(body.Sources.Select(Demote));
                }

                i = close + 1;
                if (!IsPunctuation(i, ","))
                {
                    break;
                }

                i++;
            }

            return i;
        }

        /// <summary>One query level: select list, <c>FROM</c>, <c>WHERE</c>, grouping, set operations, locking clauses.</summary>
        private void Query(int from, int to, bool topLevel)
        {
            var statement = _statement;
            var pending = new List<PendingTable>();
            var conditions = new Conditions();
            var inSelectList = false;
            var selectListStart = -1;
            var i = from;
            if (IsWord(i, "with"))
            {
                i = With(i + 1, to, new List<SqlStatement>());
            }

            while (i < to)
            {
                var token = _t[i];
                if (token.IsPunctuation("("))
                {
                    i = Group(i, to);
                    continue;
                }

                if (token.Kind != SqlTokenKind.Word)
                {
                    i++;
                    continue;
                }

                switch (token.Value)
                {
                    case "select":
                        inSelectList = true;
                        selectListStart = i + 1;
                        if (topLevel && IsWord(i + 1, "distinct"))
                        {
                            statement.HasDistinct = true;
                        }

                        i++;
                        continue;
                    case "from":
                        if (topLevel && inSelectList)
                        {
                            SelectList(selectListStart, i);
                        }

                        inSelectList = false;
                        i = FromList(i + 1, to, pending);
                        continue;
                    case "where":
                        inSelectList = false;
                        var end = ClauseEnd(i + 1, to);
                        Where(i + 1, end, conditions);
                        if (topLevel)
                        {
                            Record(statement, conditions);
                        }

                        i = end;
                        continue;
                    case "group" or "having":
                        statement.HasGroupBy |= topLevel;
                        break;
                    case "order" when topLevel && IsWord(i + 1, "by"):
                        statement.HasOrderBy = true;
                        break;
                    case "limit" when topLevel && i + 1 < to && _t[i + 1] is { Kind: SqlTokenKind.Number, Value: "1" }:
                        statement.LimitsToOneRow = true;
                        break;
                    case "fetch" when topLevel && (IsWord(i + 1, "first") || IsWord(i + 1, "next")) && (IsWord(i + 2, "row") || (i + 2 < to && _t[i + 2] is { Kind: SqlTokenKind.Number, Value: "1" })):
                        statement.LimitsToOneRow = true;
                        break;
                    case "over":
                        statement.HasWindow |= topLevel;
                        break;
                    case "union" or "intersect" or "except":
                        statement.HasSetOperation |= topLevel;
                        Flush(pending, conditions, topLevel);
                        pending = new List<PendingTable>();
                        conditions = new Conditions();
                        break;
                    case "for" when topLevel:
                        i = LockClause(i + 1, to);
                        continue;
                    case "lock" when topLevel && IsWord(i + 1, "in") && IsWord(i + 2, "share"):
                        statement.RowLock = Stronger(statement.RowLock, SqlRowLock.Share);
                        break;
                    default:
                        if (topLevel && inSelectList && Aggregates.Contains(token.Value) && IsPunctuation(i + 1, "("))
                        {
                            statement.HasAggregate = true;
                        }

                        break;
                }

                i++;
            }

            Flush(pending, conditions, topLevel);
        }

        /// <summary>The columns a top-level select list names, and whether it selects every column (<c>*</c>, <c>t.*</c>).</summary>
        private void SelectList(int from, int to)
        {
            var statement = _statement;
            statement.SelectColumns = statement.SelectColumns.AddRange(Columns(from, to).Select(c => c.Column)).Distinct().ToImmutableArray();
            for (var i = from; i < to; i++)
            {
                if (_t[i].IsPunctuation("("))
                {
                    i = Match(i, to);
                }
                else if (_t[i].IsPunctuation("*") && (i == from || IsPunctuation(i - 1, ",") || IsPunctuation(i - 1, ".")))
                {
                    statement.SelectsAll = true;
                }
            }
        }

        private void Flush(List<PendingTable> pending, Conditions conditions, bool topLevel)
            => _sources.AddRange(pending.Select(table => table.Complete(topLevel, conditions.Keys)));

        private static void Record(SqlStatement statement, Conditions conditions)
        {
            statement.WhereKeyColumns = conditions.Keys.Select(k => k.Column).Distinct().ToImmutableArray();
            statement.WhereOtherColumns = conditions.OtherColumns.Select(k => k.Column).Distinct().ToImmutableArray();
            statement.HasOtherWhereCondition = conditions.HasOther;
        }

        // FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE | FOR KEY SHARE [OF a, b] [NOWAIT | SKIP LOCKED]
        private int LockClause(int i, int to)
        {
            var strength = SqlRowLock.None;
            if (IsWord(i, "update"))
            {
                strength = SqlRowLock.Update;
                i++;
            }
            else if (IsWord(i, "no") && IsWord(i + 1, "key") && IsWord(i + 2, "update"))
            {
                strength = SqlRowLock.NoKeyUpdate;
                i += 3;
            }
            else if (IsWord(i, "share"))
            {
                strength = SqlRowLock.Share;
                i++;
            }
            else if (IsWord(i, "key") && IsWord(i + 1, "share"))
            {
                strength = SqlRowLock.KeyShare;
                i += 2;
            }

            if (strength == SqlRowLock.None)
            {
                return i;
            }

            var statement = _statement;
            var wholeQuery = !IsWord(i, "of");
            var references = statement.RowLock == SqlRowLock.None ? new List<string>() : statement.LockedReferences.ToList();
            if (!wholeQuery)
            {
                i++;
                while (i < to && _t[i].IsName)
                {
                    // OF schema.table names the table by its last part.
                    var last = i;
                    while (IsPunctuation(last + 1, ".") && last + 2 < to && _t[last + 2].IsName)
                    {
                        last += 2;
                    }

                    references.Add(_t[last].Value);
                    i = last + 1;
                    if (!IsPunctuation(i, ","))
                    {
                        break;
                    }

                    i++;
                }
            }

            // A clause without OF locks every table, whatever other clauses name.
            var lockedEverything = (statement.RowLock != SqlRowLock.None && statement.LockedReferences.IsEmpty) || wholeQuery;
            statement.LockedReferences = lockedEverything ? ImmutableArray<string>.Empty : references.Distinct().ToImmutableArray();
            statement.RowLock = Stronger(statement.RowLock, strength);
            return i;
        }

        private static SqlRowLock Stronger(SqlRowLock a, SqlRowLock b) => a > b ? a : b;

        /// <summary>Table references up to the first clause word of this level; returns that word's index.</summary>
        private int FromList(int i, int to, List<PendingTable> pending)
        {
            var nullableNext = false;
            while (i < to)
            {
                while (IsWord(i, "only") || IsWord(i, "lateral"))
                {
                    i++;
                }

                if (IsPunctuation(i, "("))
                {
                    i = Alias(Group(i, to), to, out _);
                }
                else if (i < to && _t[i].IsName && !NotAliases.Contains(_t[i].Value))
                {
                    var afterName = i;
                    var table = TableName(i, to, out afterName);
                    if (IsPunctuation(afterName, "("))
                    {
                        // A set-returning function such as generate_series(…) or unnest(…).
                        i = Alias(Group(afterName, to), to, out _);
                    }
                    else
                    {
                        i = Alias(afterName, to, out var alias);
                        var hint = false;
                        if (IsWord(i, "with") && IsPunctuation(i + 1, "("))
                        {
                            var close = Match(i + 1, to);
                            for (var k = i + 2; k < close; k++)
                            {
                                hint |= _t[k].Kind == SqlTokenKind.Word && _t[k].Value is "updlock" or "xlock" or "holdlock" or "tablockx" or "serializable" or "repeatableread";
                            }

                            i = close + 1;
                        }

                        if (table is { } name && !(name.Schema is null && _cteNames.Contains(name.Name)))
                        {
                            pending.Add(new PendingTable(name.Schema, name.Name, alias, hint) { IsNullable = nullableNext });
                        }
                    }
                }
                else
                {
                    return i;
                }

                // What joins this reference to the next one.
                while (IsWord(i, "on") || IsWord(i, "using") || IsWord(i, "tablesample"))
                {
                    i = JoinCondition(i + 1, to);
                }

                if (IsPunctuation(i, ","))
                {
                    nullableNext = false;
                    i++;
                    continue;
                }

                var join = i;
                var left = false;
                var right = false;
                var full = false;
                while (join < to && _t[join].Kind == SqlTokenKind.Word && JoinWords.Contains(_t[join].Value) && !_t[join].IsWord("join"))
                {
                    left |= _t[join].IsWord("left");
                    right |= _t[join].IsWord("right");
                    full |= _t[join].IsWord("full");
                    join++;
                }

                if (!IsWord(join, "join"))
                {
                    return i;
                }

                if (right || full)
                {
                    foreach (var earlier in pending)
                    {
                        earlier.IsNullable = true;
                    }
                }

                nullableNext = left || full;
                i = join + 1;
            }

            return i;
        }

        /// <summary>Skips a join condition (<c>ON …</c> or <c>USING (…)</c>), reading subqueries inside it.</summary>
        private int JoinCondition(int i, int to)
        {
            while (i < to)
            {
                var token = _t[i];
                if (token.IsPunctuation("("))
                {
                    i = Group(i, to);
                    continue;
                }

                if (token.IsPunctuation(",") || (token.Kind == SqlTokenKind.Word && (JoinWords.Contains(token.Value) || ClauseWords.Contains(token.Value) || token.Value is "on" or "using")))
                {
                    return i;
                }

                i++;
            }

            return i;
        }

        /// <summary><c>[AS] alias [(column aliases)]</c>; returns the index after it.</summary>
        private int Alias(int i, int to, out string? alias)
        {
            alias = null;
            if (IsWord(i, "as") && i + 1 < to && _t[i + 1].IsName)
            {
                alias = _t[i + 1].Value;
                i += 2;
            }
            else if (i < to && _t[i].IsName && !NotAliases.Contains(_t[i].Value))
            {
                alias = _t[i].Value;
                i++;
            }

            if (alias is not null && IsPunctuation(i, "("))
            {
                i = Match(i, to) + 1;
            }

            return i;
        }

        /// <summary><c>name</c>, <c>schema.name</c> or <c>db.schema.name</c>.</summary>
        private (string? Schema, string Name)? TableName(int i, int to, out int after)
        {
            after = i;
            if (i >= to || !_t[i].IsName)
            {
                return null;
            }

            string? schema = null;
            var name = _t[i].Value;
            after = i + 1;
            while (IsPunctuation(after, ".") && after + 1 < to && _t[after + 1].IsName)
            {
                schema = name;
                name = _t[after + 1].Value;
                after += 2;
            }

            return (schema, name);
        }

        /// <summary>The first clause word of this level at or after <paramref name="i"/>.</summary>
        private int ClauseEnd(int i, int to)
        {
            while (i < to)
            {
                if (_t[i].IsPunctuation("("))
                {
                    i = Match(i, to) + 1;
                    continue;
                }

                if (_t[i].Kind == SqlTokenKind.Word && ClauseWords.Contains(_t[i].Value))
                {
                    return i;
                }

                i++;
            }

            return to;
        }

        /// <summary>Splits a <c>WHERE</c> into its top-level <c>AND</c> conditions and classifies each.</summary>
        private void Where(int from, int to, Conditions conditions)
        {
            Nested(from, to);
            Conjunction(from, to, conditions);
        }

        private void Conjunction(int from, int to, Conditions conditions)
        {
            var hasOr = false;
            for (var i = from; i < to; i++)
            {
                if (_t[i].IsPunctuation("("))
                {
                    i = Match(i, to);
                }
                else
                {
                    hasOr |= _t[i].IsWord("or");
                }
            }

            if (hasOr)
            {
                conditions.HasOther = true;
                conditions.OtherColumns.AddRange(Columns(from, to));
                return;
            }

            var start = from;
            var between = false;
            for (var i = from; i <= to; i++)
            {
                if (i < to && _t[i].IsPunctuation("("))
                {
                    i = Match(i, to);
                    continue;
                }

                if (i < to && _t[i].IsWord("between"))
                {
                    between = true;
                }
                else if (i == to || (_t[i].IsWord("and") && !between))
                {
                    if (i > start)
                    {
                        Condition(start, i, conditions);
                    }

                    start = i + 1;
                }
                else if (_t[i].IsWord("and"))
                {
                    between = false;
                }
            }
        }

        private void Condition(int from, int to, Conditions conditions)
        {
            if (_t[from].IsPunctuation("(") && Match(from, to) == to - 1 && !IsQueryStart(from + 1))
            {
                Conjunction(from + 1, to - 1, conditions);
                return;
            }

            var equals = -1;
            var comparisons = 0;
            for (var i = from; i < to; i++)
            {
                var token = _t[i];
                if (token.IsPunctuation("("))
                {
                    i = Match(i, to);
                    continue;
                }

                if (token.Kind == SqlTokenKind.Punctuation && token.Value is "=" or "<" or ">" or "<=" or ">=" or "<>" or "!=")
                {
                    comparisons++;
                    equals = token.Value == "=" ? i : equals;
                }
                else if (token.Kind == SqlTokenKind.Word && ComparisonWords.Contains(token.Value))
                {
                    comparisons++;
                }
            }

            if (comparisons == 1 && equals > from)
            {
                var left = Columns(from, equals);
                var right = Columns(equals + 1, to);
                if (left.Count == 1 && right.Count == 0 && IsKeyValue(equals + 1, to))
                {
                    conditions.Keys.Add(left[0]);
                    return;
                }

                if (right.Count == 1 && left.Count == 0 && IsKeyValue(from, equals))
                {
                    conditions.Keys.Add(right[0]);
                    return;
                }
            }

            conditions.HasOther = true;
            conditions.OtherColumns.AddRange(Columns(from, to));
        }

        /// <summary>A parameter or a number, maybe cast or wrapped in a function: the value side of a key comparison.</summary>
        private bool IsKeyValue(int from, int to)
        {
            var value = false;
            for (var i = from; i < to; i++)
            {
                if (_t[i].Kind == SqlTokenKind.String || IsQueryStart(i))
                {
                    return false;
                }

                value |= _t[i].Kind is SqlTokenKind.Parameter or SqlTokenKind.Number;
            }

            return value;
        }

        /// <summary>The column references of an expression (qualifier and name), outside subqueries.</summary>
        private List<(string? Qualifier, string Column)> Columns(int from, int to)
        {
            var columns = new List<(string?, string)>();
            for (var i = from; i < to; i++)
            {
                var token = _t[i];
                if (token.IsPunctuation("(") && IsQueryStart(i + 1))
                {
                    i = Match(i, to);
                    continue;
                }

                if (!token.IsName
                    || (token.Kind == SqlTokenKind.Word && (ExpressionWords.Contains(token.Value) || IsPunctuation(i + 1, "(")))
                    || IsPunctuation(i - 1, "::")
                    || (i > from && _t[i - 1].IsWord("as"))
                    || (i > from && _t[i - 1].Kind == SqlTokenKind.Word && _t[i - 1].Value is "interval" or "date" or "timestamp"))
                {
                    continue;
                }

                if (IsPunctuation(i + 1, ".") && i + 2 < to && _t[i + 2].IsName)
                {
                    columns.Add((token.Value, _t[i + 2].Value));
                    i += 2;
                    continue;
                }

                if (IsPunctuation(i + 1, ".") && IsPunctuation(i + 2, "*"))
                {
                    i += 2;
                    continue;
                }

                columns.Add((null, token.Value));
            }

            return columns;
        }

        /// <summary>Reads the subqueries of a range, at any depth; notes <c>NOT EXISTS (…)</c>.</summary>
        private void Nested(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                if (!_t[i].IsPunctuation("("))
                {
                    continue;
                }

                var close = Match(i, to);
                if (IsQueryStart(i + 1) && close > i + 1)
                {
                    if (IsWord(i - 1, "exists") && IsWord(i - 2, "not"))
                    {
                        _statement.HasNotExists = true;
                    }

                    var sources = _sources.Count;
                    Query(i + 1, close, topLevel: false);
                    for (var k = sources; k < _sources.Count; k++)
                    {
                        _sources[k] = Demote(_sources[k]);
                    }

                    i = close;
                }
            }
        }

        private bool IsQueryStart(int i) => IsWord(i, "select") || IsWord(i, "with") || IsWord(i, "values");

        // INSERT [IGNORE] INTO name [AS alias] [(columns)] {VALUES … | SELECT … | DEFAULT VALUES} [ON CONFLICT …] [RETURNING …]
        private void Insert(int i, int to)
        {
            var statement = _statement;
            statement.Kind = SqlStatementKind.Insert;
            if (IsWord(i, "ignore"))
            {
                statement.OnConflict = SqlConflictAction.DoNothing;
                i++;
            }

            i = IsWord(i, "into") ? i + 1 : i;
            if (TableName(i, to, out i) is not { } target)
            {
                return;
            }

            string? alias = null;
            if (IsWord(i, "as") && i + 1 < to && _t[i + 1].IsName)
            {
                alias = _t[i + 1].Value;
                i += 2;
            }

            statement.Target = new SqlTable(target.Schema, target.Name, alias, isTopLevel: true, isNullable: false, hasLockHint: false, ImmutableArray<string>.Empty);
            if (IsPunctuation(i, "(") && !IsQueryStart(i + 1))
            {
                var close = Match(i, to);
                statement.InsertColumns = Names(i + 1, close);
                i = close + 1;
            }

            var bodyEnd = to;
            for (var k = i; k < to; k++)
            {
                if (_t[k].IsPunctuation("("))
                {
                    k = Match(k, to);
                    continue;
                }

                if (_t[k].IsWord("on") && (IsWord(k + 1, "conflict") || IsWord(k + 1, "duplicate")))
                {
                    bodyEnd = Math.Min(bodyEnd, k);
                    OnConflict(k + 1, to);
                }
                else if (_t[k].IsWord("returning"))
                {
                    bodyEnd = Math.Min(bodyEnd, k);
                    statement.ReturningStart = _t[k].Start;
                    Nested(k, to);
                    break;
                }
            }

            if (IsQueryStart(i) && !IsWord(i, "values"))
            {
                Query(i, bodyEnd, topLevel: false);
            }
            else
            {
                Nested(i, bodyEnd);
            }
        }

        private void OnConflict(int i, int to)
        {
            var statement = _statement;
            if (IsWord(i, "duplicate"))
            {
                statement.OnConflict = SqlConflictAction.DoUpdate;
                return;
            }

            i++;
            if (IsPunctuation(i, "("))
            {
                var close = Match(i, to);
                statement.ConflictColumns = Names(i + 1, close);
                i = close + 1;
            }

            for (; i < to; i++)
            {
                if (_t[i].IsWord("do"))
                {
                    statement.OnConflict = IsWord(i + 1, "nothing") ? SqlConflictAction.DoNothing : SqlConflictAction.DoUpdate;
                    Nested(i, to);
                    return;
                }
            }

            statement.OnConflict = SqlConflictAction.DoNothing;
        }

        /// <summary>The names of a column list, each by its last part; items that are expressions are left out.</summary>
        private ImmutableArray<string> Names(int from, int to)
        {
            var names = ImmutableArray.CreateBuilder<string>();
            for (var i = from; i < to; i++)
            {
                if (_t[i].IsPunctuation("("))
                {
                    i = Match(i, to);
                }
                else if (_t[i].IsName && (i + 1 >= to || IsPunctuation(i + 1, ",") || IsPunctuation(i + 1, ")")))
                {
                    names.Add(_t[i].Value);
                }
            }

            return names.ToImmutable();
        }

        /// <summary>The table a statement writes: <c>[keyword] [ONLY] name [[AS] alias]</c>; null when there is no name.</summary>
        private PendingTable? WrittenTable(ref int i, int to, string? keyword)
        {
            i = keyword is not null && IsWord(i, keyword) ? i + 1 : i;
            i = IsWord(i, "only") ? i + 1 : i;
            if (TableName(i, to, out i) is not { } target)
            {
                return null;
            }

            i = Alias(i, to, out var alias);
            return new PendingTable(target.Schema, target.Name, alias, hasLockHint: false);
        }

        /// <summary>Reads the tail of an <c>UPDATE</c> or <c>DELETE</c> and records its target and sources.</summary>
        private void Written(PendingTable target, int tail, int to)
        {
            var pending = new List<PendingTable> { target };
            var conditions = WriteTail(tail, to, pending);
            _statement.Target = target.Complete(isTopLevel: true, conditions.Keys);
            _sources.AddRange(pending.Skip(1).Select(table => table.Complete(isTopLevel: true, conditions.Keys)));
        }

        // UPDATE [ONLY] name [[AS] alias] SET … [FROM …] [WHERE …] [RETURNING …]
        private void Update(int i, int to)
        {
            _statement.Kind = SqlStatementKind.Update;
            if (WrittenTable(ref i, to, keyword: null) is not { } target || !IsWord(i, "set"))
            {
                return;
            }

            var setEnd = i + 1;
            while (setEnd < to && !(IsWord(setEnd, "from") || IsWord(setEnd, "where") || IsWord(setEnd, "returning")))
            {
                setEnd = _t[setEnd].IsPunctuation("(") ? Match(setEnd, to) + 1 : setEnd + 1;
            }

            Assignments(i + 1, setEnd, target.Name, target.Alias);
            Written(target, setEnd, to);
        }

        // DELETE FROM [ONLY] name [[AS] alias] [USING …] [WHERE …] [RETURNING …]
        private void Delete(int i, int to)
        {
            _statement.Kind = SqlStatementKind.Delete;
            if (WrittenTable(ref i, to, "from") is { } target)
            {
                Written(target, i, to);
            }
        }

        /// <summary>The <c>FROM</c>/<c>USING</c>, <c>WHERE</c> and <c>RETURNING</c> of an <c>UPDATE</c> or <c>DELETE</c>.</summary>
        private Conditions WriteTail(int i, int to, List<PendingTable> pending)
        {
            var conditions = new Conditions();
            while (i < to)
            {
                if (IsWord(i, "from") || IsWord(i, "using"))
                {
                    i = FromList(i + 1, to, pending);
                }
                else if (IsWord(i, "where"))
                {
                    var end = i + 1;
                    while (end < to && !IsWord(end, "returning"))
                    {
                        end = _t[end].IsPunctuation("(") ? Match(end, to) + 1 : end + 1;
                    }

                    Where(i + 1, Math.Min(end, to), conditions);
                    Record(_statement, conditions);
                    i = end;
                }
                else if (IsWord(i, "returning"))
                {
                    _statement.ReturningStart = _t[i].Start;
                    Nested(i, to);
                    break;
                }
                else
                {
                    i++;
                }
            }

            return conditions;
        }

        /// <summary><c>col = expr, (a, b) = (…)</c>: the assigned columns, and those computed from their own value.</summary>
        private void Assignments(int from, int to, string table, string? alias)
        {
            var statement = _statement;
            var set = new List<string>();
            var selfReferencing = new List<string>();
            var start = from;
            for (var i = from; i <= to; i++)
            {
                if (i < to && _t[i].IsPunctuation("("))
                {
                    i = Match(i, to);
                    continue;
                }

                if (i < to && !_t[i].IsPunctuation(","))
                {
                    continue;
                }

                var equals = start;
                while (equals < i && !_t[equals].IsPunctuation("="))
                {
                    equals = _t[equals].IsPunctuation("(") ? Match(equals, i) + 1 : equals + 1;
                }

                if (equals < i)
                {
                    var assigned = _t.Skip(start).Take(equals - start).Where(t => t.IsName).Select(t => t.Value).ToList();
                    var used = Columns(equals + 1, i);
                    Nested(equals + 1, i);
                    set.AddRange(assigned);
                    selfReferencing.AddRange(assigned.Where(column => used.Any(u => u.Column == column && (u.Qualifier is null || u.Qualifier == table || u.Qualifier == alias))));
                }

                start = i + 1;
            }

            statement.SetColumns = set.Distinct().ToImmutableArray();
            statement.SelfReferencingColumns = selfReferencing.Distinct().ToImmutableArray();
        }

        // MERGE INTO name [[AS] alias] USING source ON … WHEN …
        private void Merge(int i, int to)
        {
            _statement.Kind = SqlStatementKind.Merge;
            if (WrittenTable(ref i, to, "into") is not { } target)
            {
                return;
            }

            _statement.Target = target.Complete(isTopLevel: true, new List<(string?, string)>());
            if (IsWord(i, "using"))
            {
                var pending = new List<PendingTable>();
                i = FromList(i + 1, to, pending);
                Flush(pending, new Conditions(), topLevel: true);
            }

            Nested(i, to);
        }

        private SqlIsolation Isolation(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                if (!_t[i].IsWord("isolation") || !IsWord(i + 1, "level"))
                {
                    continue;
                }

                return (i + 2 < to ? _t[i + 2].Value : string.Empty, i + 3 < to ? _t[i + 3].Value : string.Empty) switch
                {
                    ("serializable", _) => SqlIsolation.Serializable,
                    ("repeatable", "read") => SqlIsolation.RepeatableRead,
                    ("read", "committed") => SqlIsolation.ReadCommitted,
                    ("read", "uncommitted") => SqlIsolation.ReadUncommitted,
                    ("snapshot", _) => SqlIsolation.Snapshot,
                    _ => SqlIsolation.Unknown,
                };
            }

            return SqlIsolation.Unspecified;
        }

        private static SqlTable Demote(SqlTable table)
            => table.IsTopLevel ? new SqlTable(table.Schema, table.Name, table.Alias, isTopLevel: false, table.IsNullable, table.HasLockHint, table.KeyColumns) : table;

        /// <summary>Reads the subqueries of the parenthesized group at <paramref name="open"/>; returns the index after it.</summary>
        private int Group(int open, int to)
        {
            var close = Match(open, to);
            Nested(open, Math.Min(close + 1, to));
            return close + 1;
        }

        /// <summary>The index of the parenthesis closing the one at <paramref name="open"/>; <paramref name="to"/> when unbalanced.</summary>
        private int Match(int open, int to)
        {
            var depth = 0;
            for (var i = open; i < to; i++)
            {
                if (_t[i].IsPunctuation("("))
                {
                    depth++;
                }
                else if (_t[i].IsPunctuation(")") && --depth == 0)
                {
                    return i;
                }
            }

            return to;
        }

        private bool IsWord(int i, string word) => i >= 0 && i < _t.Length && _t[i].IsWord(word);

        private bool IsPunctuation(int i, string text) => i >= 0 && i < _t.Length && _t[i].IsPunctuation(text);
    }
}
