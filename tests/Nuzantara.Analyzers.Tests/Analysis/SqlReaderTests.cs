using Nuzantara.Analyzers.Analysis.Sql;

namespace Nuzantara.Analyzers.Tests.Analysis;

public sealed class SqlReaderTests
{
    private static string Join(IEnumerable<string> items) => string.Join(",", items);

    private static SqlStatement Single(string sql)
    {
        var statements = SqlReader.Read(sql);
        return Assert.Single(statements);
    }

    [Theory]
    [InlineData("SELECT 1", "Select")]
    [InlineData("select * from t", "Select")]
    [InlineData("VALUES (1), (2)", "Select")]
    [InlineData("INSERT INTO t (a) VALUES (1)", "Insert")]
    [InlineData("UPDATE t SET a = 1", "Update")]
    [InlineData("DELETE FROM t", "Delete")]
    [InlineData("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DO NOTHING", "Merge")]
    [InlineData("BEGIN", "Begin")]
    [InlineData("START TRANSACTION", "Begin")]
    [InlineData("COMMIT", "Commit")]
    [InlineData("END", "Commit")]
    [InlineData("ROLLBACK", "Rollback")]
    [InlineData("ROLLBACK TO SAVEPOINT s1", "Other")]
    [InlineData("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SetTransaction")]
    [InlineData("LOCK TABLE accounts IN EXCLUSIVE MODE", "Lock")]
    [InlineData("CREATE TABLE t (id int)", "Other")]
    [InlineData("  -- leading comment\n  /* block */ SeLeCt 1", "Select")]
    public void StatementKind_IsReadFromTheLeadingKeyword(string sql, string kind)
        => Assert.Equal(kind, Single(sql).Kind.ToString());

    [Fact]
    public void EmptyOrCommentOnlyText_HasNoStatements()
    {
        Assert.Empty(SqlReader.Read(""));
        Assert.Empty(SqlReader.Read("   -- nothing\n /* at all */ ;; "));
    }

    [Fact]
    public void Statements_AreSplitOnSemicolons_ButNotInsideStringsCommentsOrDollarQuotes()
    {
        var statements = SqlReader.Read("""
            SELECT ';' AS a, $$ ; $$ AS b -- ; not here
            FROM t /* ; nor here */;
            UPDATE t SET a = 'x;y';
            DELETE FROM u
            """);

        Assert.Equal("Select,Update,Delete", Join(statements.Select(s => s.Kind.ToString())));
        Assert.Equal("t", Assert.Single(statements[0].Sources).Name);
    }

    [Fact]
    public void StatementBounds_ExcludeTrailingCommentsWhitespaceAndSemicolon()
    {
        const string sql = "SELECT a FROM t WHERE id = @id  -- trailing\n;\n";

        var statement = Single(sql);

        Assert.Equal("SELECT a FROM t WHERE id = @id", sql.Substring(statement.Start, statement.End - statement.Start));
        Assert.Equal("SELECT a FROM t WHERE id = @id", statement.Text);
    }

    [Fact]
    public void Text_CollapsesWhitespace()
        => Assert.Equal("SELECT a FROM t", Single("SELECT   a\n\t FROM\r\n t").Text);

    [Fact]
    public void Select_ReadsSchemaAndAlias()
    {
        var table = Assert.Single(Single("SELECT a.balance FROM billing.accounts AS a WHERE a.id = @id").Sources);

        Assert.Equal("billing", table.Schema);
        Assert.Equal("accounts", table.Name);
        Assert.Equal("a", table.Alias);
        Assert.True(table.IsTopLevel);
        Assert.Equal("id", Join(table.KeyColumns));
    }

    [Fact]
    public void Select_AliasWithoutAs()
    {
        var table = Assert.Single(Single("SELECT f.id FROM facts f WHERE f.hash = $1").Sources);

        Assert.Equal("f", table.Alias);
        Assert.Equal("hash", Join(table.KeyColumns));
    }

    [Fact]
    public void Names_AreCaseInsensitive_UnlessQuoted()
    {
        var statements = SqlReader.Read("""SELECT * FROM Accounts; SELECT * FROM "Accounts"; SELECT * FROM "accounts"; SELECT * FROM ACCOUNTS""");

        var tables = statements.Select(s => Assert.Single(s.Sources)).ToArray();
        Assert.True(tables[0].Matches(tables[2]));
        Assert.True(tables[0].Matches(tables[3]));
        Assert.False(tables[0].Matches(tables[1]));
        Assert.Equal("Accounts", tables[1].Name);
    }

    [Fact]
    public void QuotedIdentifiers_WithEscapedQuotes()
    {
        var table = Assert.Single(Single("""SELECT * FROM "public"."My ""Odd"" Table" t""").Sources);

        Assert.Equal("public", table.Schema);
        Assert.Equal("My \"Odd\" Table", table.Name);
        Assert.Equal("t", table.Alias);
    }

    [Fact]
    public void Tables_MatchAcrossSchemas_OnlyWhenBothNameOne()
    {
        var statements = SqlReader.Read("SELECT * FROM app.users; SELECT * FROM users; SELECT * FROM audit.users");
        var tables = statements.Select(s => Assert.Single(s.Sources)).ToArray();

        Assert.True(tables[0].Matches(tables[1]));
        Assert.True(tables[1].Matches(tables[2]));
        Assert.False(tables[0].Matches(tables[2]));
    }

    [Fact]
    public void Joins_AreSources_AndOuterJoinsMarkTheNullableSide()
    {
        var statement = Single("""
            SELECT o.id, c.name
            FROM orders o
            JOIN customers c ON c.id = o.customer_id
            LEFT JOIN coupons cp ON cp.id = o.coupon_id
            WHERE o.id = @id
            """);

        Assert.Equal("orders,customers,coupons", Join(statement.Sources.Select(t => t.Name)));
        Assert.Equal("False,False,True", Join(statement.Sources.Select(t => t.IsNullable.ToString())));
        Assert.Equal("id", Join(statement.Sources[0].KeyColumns));
        Assert.Empty(statement.Sources[1].KeyColumns);
    }

    [Fact]
    public void RightAndFullJoins_MakeEarlierTablesNullable()
    {
        var right = Single("SELECT * FROM a RIGHT OUTER JOIN b USING (id)");
        var full = Single("SELECT * FROM a FULL JOIN b ON a.id = b.id");

        Assert.Equal("True,False", Join(right.Sources.Select(t => t.IsNullable.ToString())));
        Assert.Equal("True,True", Join(full.Sources.Select(t => t.IsNullable.ToString())));
    }

    [Fact]
    public void CommaJoins_AndCrossJoins_ListEveryTable()
        => Assert.Equal("a,b,c", Join(Single("SELECT * FROM a, b x CROSS JOIN c").Sources.Select(t => t.Name)));

    [Fact]
    public void UnqualifiedKeys_BelongToEveryTableOfTheLevel_QualifiedOnesToTheirTable()
    {
        var statement = Single("SELECT * FROM users u JOIN teams t ON t.id = u.team_id WHERE u.email = @email AND tenant_id = @tenant");

        Assert.Equal("email,tenant_id", Join(statement.Sources[0].KeyColumns));
        Assert.Equal("tenant_id", Join(statement.Sources[1].KeyColumns));
        Assert.Equal("email,tenant_id", Join(statement.WhereKeyColumns));
    }

    [Theory]
    [InlineData("SELECT 1 FROM t WHERE id = @id")]
    [InlineData("SELECT 1 FROM t WHERE id = $1")]
    [InlineData("SELECT 1 FROM t WHERE id = :id")]
    [InlineData("SELECT 1 FROM t WHERE id = {0}")]
    [InlineData("SELECT 1 FROM t WHERE id = 42")]
    [InlineData("SELECT 1 FROM t WHERE @id = id")]
    [InlineData("SELECT 1 FROM t WHERE id = @id::uuid")]
    [InlineData("SELECT 1 FROM t WHERE id = CAST(@id AS uuid)")]
    [InlineData("SELECT 1 FROM t WHERE (id = @id)")]
    [InlineData("SELECT 1 FROM t WHERE lower(id) = lower(@id)")]
    [InlineData("SELECT 1 FROM t WHERE \"id\" = @id")]
    public void KeyColumns_AreColumnsComparedWithAParameterOrANumber(string sql)
    {
        var statement = Single(sql);

        Assert.Equal("id", Join(statement.WhereKeyColumns));
        Assert.False(statement.HasOtherWhereCondition);
    }

    [Theory]
    [InlineData("SELECT 1 FROM t WHERE status = 'open'", "status")]
    [InlineData("SELECT 1 FROM t WHERE balance >= @amount", "balance")]
    [InlineData("SELECT 1 FROM t WHERE deleted_at IS NULL", "deleted_at")]
    [InlineData("SELECT 1 FROM t WHERE id = ANY(@ids)", "id")]
    [InlineData("SELECT 1 FROM t WHERE a = b", "a")]
    [InlineData("SELECT 1 FROM t WHERE created BETWEEN @from AND @to", "created")]
    public void OtherConditions_AreNotKeys(string sql, string column)
    {
        var statement = Single(sql);

        Assert.Empty(statement.WhereKeyColumns);
        Assert.True(statement.HasOtherWhereCondition);
        Assert.Contains(column, statement.WhereOtherColumns);
    }

    [Fact]
    public void Or_MakesEveryConditionAnOtherCondition()
    {
        var statement = Single("SELECT 1 FROM t WHERE id = @id OR email = @email");

        Assert.Empty(statement.WhereKeyColumns);
        Assert.True(statement.HasOtherWhereCondition);
    }

    [Fact]
    public void Between_DoesNotSplitTheConjunction()
    {
        var statement = Single("SELECT 1 FROM t WHERE day BETWEEN @a AND @b AND user_id = @u");

        Assert.Equal("user_id", Join(statement.WhereKeyColumns));
        Assert.Equal("day", Join(statement.WhereOtherColumns));
    }

    [Theory]
    [InlineData("SELECT * FROM t WHERE id = @id FOR UPDATE", "Update")]
    [InlineData("SELECT * FROM t WHERE id = @id for no key update", "NoKeyUpdate")]
    [InlineData("SELECT * FROM t WHERE id = @id FOR SHARE", "Share")]
    [InlineData("SELECT * FROM t WHERE id = @id FOR KEY SHARE", "KeyShare")]
    [InlineData("SELECT * FROM t WHERE id = @id FOR UPDATE SKIP LOCKED", "Update")]
    [InlineData("SELECT * FROM t ORDER BY id LIMIT 10 FOR UPDATE NOWAIT", "Update")]
    [InlineData("SELECT * FROM t WHERE id = @id LOCK IN SHARE MODE", "Share")]
    [InlineData("SELECT * FROM t WHERE id = @id", "None")]
    public void RowLocks_AreRead(string sql, string expected)
    {
        var statement = Single(sql);

        Assert.Equal(expected, statement.RowLock.ToString());
        Assert.Equal(expected != nameof(SqlRowLock.None), statement.Locks(statement.Sources[0]));
    }

    [Fact]
    public void ForUpdateOf_LocksOnlyTheNamedTables()
    {
        var statement = Single("SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = @id FOR UPDATE OF o");

        Assert.Equal("o", Join(statement.LockedReferences));
        Assert.True(statement.Locks(statement.Sources[0]));
        Assert.False(statement.Locks(statement.Sources[1]));
    }

    [Fact]
    public void SqlServerLockHints_LockTheirTable()
    {
        var statement = Single("SELECT balance FROM accounts WITH (UPDLOCK, ROWLOCK) WHERE id = @id");

        Assert.True(statement.Locks(Assert.Single(statement.Sources)));
    }

    [Fact]
    public void ForUpdate_DoesNotLockTablesOfSubqueries()
    {
        var statement = Single("SELECT * FROM a WHERE a.id IN (SELECT a_id FROM b WHERE b.k = @k) FOR UPDATE");

        Assert.True(statement.Locks(statement.Sources.Single(t => t.Name == "a")));
        Assert.False(statement.Locks(statement.Sources.Single(t => t.Name == "b")));
    }

    [Fact]
    public void WordsThatLookLikeClauses_InsideFunctions_AreNotClauses()
    {
        var statement = Single("SELECT substring(name FROM 1 FOR 3), extract(year FROM created) FROM t WHERE id = @id");

        Assert.Equal(SqlRowLock.None, statement.RowLock);
        Assert.Equal("t", Assert.Single(statement.Sources).Name);
    }

    [Fact]
    public void Subqueries_AreSources_NotTopLevel_WithTheirOwnKeys()
    {
        var statement = Single("SELECT EXISTS (SELECT 1 FROM users WHERE email = @email)");

        var users = Assert.Single(statement.Sources);
        Assert.False(users.IsTopLevel);
        Assert.Equal("email", Join(users.KeyColumns));
        Assert.False(statement.HasNotExists);
    }

    [Fact]
    public void DerivedTables_AndLateral_AreRead()
    {
        var statement = Single("SELECT * FROM (SELECT * FROM a WHERE x = @x) sub JOIN LATERAL (SELECT * FROM b WHERE b.a_id = sub.id) l ON true");

        Assert.Equal("a,b", Join(statement.Sources.Select(t => t.Name).OrderBy(n => n)));
        Assert.All(statement.Sources, t => Assert.False(t.IsTopLevel));
    }

    [Fact]
    public void SetReturningFunctions_AreNotTables()
        => Assert.Equal("t", Join(Single("SELECT * FROM generate_series(1, 10) g, t").Sources.Select(s => s.Name)));

    [Fact]
    public void CommonTableExpressions_AreNotTables_ButTheirSourcesAre()
    {
        var statement = Single("""
            WITH recent AS (SELECT * FROM events WHERE user_id = @u), totals (n) AS MATERIALIZED (SELECT count(*) FROM recent)
            SELECT * FROM recent JOIN totals ON true
            """);

        Assert.Equal(SqlStatementKind.Select, statement.Kind);
        var events = Assert.Single(statement.Sources);
        Assert.Equal("events", events.Name);
        Assert.False(events.IsTopLevel);
    }

    [Fact]
    public void DataModifyingCommonTableExpressions_AreNestedStatements()
    {
        var statement = Single("""
            WITH moved AS (DELETE FROM inbox WHERE id = @id RETURNING *)
            INSERT INTO archive SELECT * FROM moved
            """);

        Assert.Equal(SqlStatementKind.Insert, statement.Kind);
        Assert.Equal("archive", statement.Target!.Name);
        var nested = Assert.Single(statement.Nested);
        Assert.Equal(SqlStatementKind.Delete, nested.Kind);
        Assert.Equal("inbox", nested.Target!.Name);
        Assert.Equal(2, statement.WithNested().Count());
    }

    [Theory]
    [InlineData("SELECT count(*) FROM t WHERE k = @k", true, false, false, false)]
    [InlineData("SELECT k, max(v) FROM t GROUP BY k", true, true, false, false)]
    [InlineData("SELECT DISTINCT k FROM t", false, false, true, false)]
    [InlineData("SELECT a FROM t UNION SELECT a FROM u", false, false, false, true)]
    [InlineData("SELECT a FROM t WHERE k = @k", false, false, false, false)]
    [InlineData("SELECT (SELECT count(*) FROM u) FROM t", false, false, false, false)]
    public void Aggregates_Grouping_Distinct_AndSetOperations_AreNoted(string sql, bool aggregate, bool groupBy, bool distinct, bool setOperation)
    {
        var statement = Single(sql);

        Assert.Equal(aggregate, statement.HasAggregate);
        Assert.Equal(groupBy, statement.HasGroupBy);
        Assert.Equal(distinct, statement.HasDistinct);
        Assert.Equal(setOperation, statement.HasSetOperation);
    }

    [Fact]
    public void SelectList_NamesItsColumns_AndNotesStars()
    {
        var named = Single("SELECT a.balance, status AS s, lower(email) FROM accounts a WHERE a.id = @id");
        var star = Single("SELECT o.*, count(*) OVER () FROM orders o");

        Assert.Equal("balance,status,email", Join(named.SelectColumns));
        Assert.False(named.SelectsAll);
        Assert.True(star.SelectsAll);
        Assert.False(Single("SELECT count(*) FROM orders").SelectsAll);
    }

    [Theory]
    [InlineData("SELECT * FROM t WHERE k = @k", false, false)]
    [InlineData("SELECT * FROM t WHERE k = @k ORDER BY created DESC", true, false)]
    [InlineData("SELECT * FROM t WHERE k = @k ORDER BY created DESC LIMIT 1", true, true)]
    [InlineData("SELECT * FROM t ORDER BY id FETCH FIRST ROW ONLY", true, true)]
    [InlineData("SELECT * FROM t ORDER BY id LIMIT 10", true, false)]
    [InlineData("SELECT * FROM t WHERE id IN (SELECT id FROM u ORDER BY x LIMIT 1)", false, false)]
    public void OrderingAndSingleRowLimits_AreNoted(string sql, bool orderBy, bool oneRow)
    {
        var statement = Single(sql);

        Assert.Equal(orderBy, statement.HasOrderBy);
        Assert.Equal(oneRow, statement.LimitsToOneRow);
    }

    [Fact]
    public void Insert_ReadsTargetColumnsAndReturning()
    {
        const string sql = "INSERT INTO app.facts (hash, text, support) VALUES (@hash, @text, 1) RETURNING id";

        var statement = Single(sql);

        Assert.Equal("app.facts", statement.Target!.ToString());
        Assert.Equal("hash,text,support", Join(statement.InsertColumns));
        Assert.Equal(SqlConflictAction.None, statement.OnConflict);
        Assert.Equal(sql.IndexOf("RETURNING", StringComparison.Ordinal), statement.ReturningStart);
    }

    [Theory]
    [InlineData("INSERT INTO t (k) VALUES (@k) ON CONFLICT DO NOTHING", "DoNothing", "")]
    [InlineData("INSERT INTO t (k) VALUES (@k) ON CONFLICT (k) DO NOTHING", "DoNothing", "k")]
    [InlineData("INSERT INTO t (k, n) VALUES (@k, 1) ON CONFLICT (k, tenant) DO UPDATE SET n = t.n + 1 RETURNING n", "DoUpdate", "k,tenant")]
    [InlineData("INSERT INTO t (k) VALUES (@k) ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING", "DoNothing", "")]
    [InlineData("INSERT INTO t (k) VALUES (@k) ON CONFLICT (k) WHERE deleted_at IS NULL DO UPDATE SET k = EXCLUDED.k", "DoUpdate", "k")]
    [InlineData("INSERT IGNORE INTO t (k) VALUES (@k)", "DoNothing", "")]
    [InlineData("INSERT INTO t (k) VALUES (@k) ON DUPLICATE KEY UPDATE n = n + 1", "DoUpdate", "")]
    public void Insert_ReadsOnConflict(string sql, string action, string columns)
    {
        var statement = Single(sql);

        Assert.Equal(action, statement.OnConflict.ToString());
        Assert.Equal(columns, string.Join(",", statement.ConflictColumns));
    }

    [Fact]
    public void InsertSelect_ReadsSources_AndNotExists()
    {
        var statement = Single("""
            INSERT INTO members (team_id, user_id)
            SELECT @team, @user
            WHERE NOT EXISTS (SELECT 1 FROM members WHERE team_id = @team AND user_id = @user)
            """);

        Assert.True(statement.HasNotExists);
        var members = Assert.Single(statement.Sources);
        Assert.Equal("members", members.Name);
        Assert.Equal("team_id,user_id", Join(members.KeyColumns));
    }

    [Fact]
    public void InsertWithoutColumnList_HasNoInsertColumns()
        => Assert.Empty(Single("INSERT INTO t VALUES (1, 2)").InsertColumns);

    [Fact]
    public void Update_ReadsTargetSetColumnsKeysAndReturning()
    {
        const string sql = "UPDATE accounts AS a SET balance = @balance, updated_at = now() WHERE a.id = @id RETURNING balance";

        var statement = Single(sql);

        Assert.Equal("accounts", statement.Target!.Name);
        Assert.Equal("a", statement.Target.Alias);
        Assert.Equal("balance,updated_at", Join(statement.SetColumns));
        Assert.Empty(statement.SelfReferencingColumns);
        Assert.Equal("id", Join(statement.WhereKeyColumns));
        Assert.Equal("id", Join(statement.Target.KeyColumns));
        Assert.False(statement.IsAtomicUpdate);
        Assert.Equal(sql.IndexOf("RETURNING", StringComparison.Ordinal), statement.ReturningStart);
    }

    [Theory]
    [InlineData("UPDATE counters SET n = n + 1 WHERE id = @id RETURNING n", true)]
    [InlineData("UPDATE counters c SET n = c.n + @delta WHERE id = @id", true)]
    [InlineData("UPDATE counters SET n = counters.n - 1, hits = hits + 1 WHERE id = @id", true)]
    [InlineData("UPDATE counters SET n = greatest(n - 1, 0) WHERE id = @id", true)]
    [InlineData("UPDATE counters SET n = n + 1, seen_at = @now WHERE id = @id", false)]
    [InlineData("UPDATE counters SET n = @n WHERE id = @id", false)]
    [InlineData("UPDATE counters SET n = other.n FROM other WHERE other.id = counters.id", false)]
    public void Update_SelfReferencingAssignments_MakeAnAtomicUpdate(string sql, bool atomic)
        => Assert.Equal(atomic, Single(sql).IsAtomicUpdate);

    [Fact]
    public void Update_From_AddsSources()
    {
        var statement = Single("UPDATE orders o SET status = 'paid' FROM payments p WHERE p.order_id = o.id AND p.id = @payment");

        Assert.Equal("orders", statement.Target!.Name);
        Assert.Equal("payments", Assert.Single(statement.Sources).Name);
    }

    [Fact]
    public void Update_GuardedWhere_IsAnOtherCondition()
    {
        var statement = Single("UPDATE jobs SET status = 'running' WHERE id = @id AND status = 'pending'");

        Assert.Equal("id", Join(statement.WhereKeyColumns));
        Assert.True(statement.HasOtherWhereCondition);
        Assert.Equal("status", Join(statement.WhereOtherColumns));
    }

    [Fact]
    public void Delete_ReadsTargetUsingAndWhere()
    {
        var statement = Single("DELETE FROM ONLY sessions s USING users u WHERE s.user_id = u.id AND u.id = @user RETURNING s.id");

        Assert.Equal("sessions", statement.Target!.Name);
        Assert.Equal("s", statement.Target.Alias);
        Assert.Equal("users", Assert.Single(statement.Sources).Name);
        Assert.True(statement.ReturningStart > 0);
    }

    [Fact]
    public void Merge_ReadsTargetAndSource()
    {
        var statement = Single("""
            MERGE INTO stock s
            USING deliveries d ON s.item_id = d.item_id
            WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty
            WHEN NOT MATCHED THEN INSERT (item_id, qty) VALUES (d.item_id, d.qty)
            """);

        Assert.Equal(SqlStatementKind.Merge, statement.Kind);
        Assert.Equal("stock", statement.Target!.Name);
        Assert.Equal("deliveries", Assert.Single(statement.Sources).Name);
    }

    [Theory]
    [InlineData("BEGIN ISOLATION LEVEL SERIALIZABLE", "Serializable")]
    [InlineData("START TRANSACTION ISOLATION LEVEL REPEATABLE READ", "RepeatableRead")]
    [InlineData("BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED", "ReadCommitted")]
    [InlineData("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "Serializable")]
    [InlineData("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", "Serializable")]
    [InlineData("BEGIN", "Unspecified")]
    public void TransactionControl_ReadsTheIsolationLevel(string sql, string isolation)
        => Assert.Equal(isolation, Single(sql).Isolation.ToString());

    [Fact]
    public void Lock_ReadsTheTable()
        => Assert.Equal("ledger.entries", Single("LOCK TABLE ONLY ledger.entries IN SHARE ROW EXCLUSIVE MODE").Target!.ToString());

    [Theory]
    [InlineData("SELECT pg_advisory_xact_lock(hashtext(@key))", true)]
    [InlineData("SELECT pg_try_advisory_lock(42)", true)]
    [InlineData("SELECT pg_advisory_unlock_all()", true)]
    [InlineData("SELECT 'pg_advisory_lock'", false)]
    public void AdvisoryLocks_AreNoted(string sql, bool takes)
        => Assert.Equal(takes, Single(sql).TakesAdvisoryLock);

    [Fact]
    public void Comments_DoNotHideOrInventClauses()
    {
        var statement = Single("""
            SELECT balance -- FOR UPDATE is not here
            FROM accounts /* FROM other */
            WHERE id = @id
            """);

        Assert.Equal(SqlRowLock.None, statement.RowLock);
        Assert.Equal("accounts", Assert.Single(statement.Sources).Name);
    }

    [Fact]
    public void Strings_DoNotHideOrInventClauses()
    {
        var statement = Single("SELECT 'FROM x FOR UPDATE', E'it\\'s FOR SHARE' FROM t WHERE name = 'a''b'");

        Assert.Equal(SqlRowLock.None, statement.RowLock);
        Assert.Equal("t", Assert.Single(statement.Sources).Name);
    }

    [Fact]
    public void CastsAndJsonOperators_AreNotParameters()
    {
        var statement = Single("SELECT data->>'name', created::date FROM t WHERE id = @id AND tags @> ARRAY['x']");

        Assert.Equal("id", Join(statement.WhereKeyColumns));
        Assert.True(statement.HasOtherWhereCondition);
    }

    [Theory]
    [InlineData("SELECT (")]
    [InlineData("SELECT * FROM")]
    [InlineData("UPDATE")]
    [InlineData("INSERT INTO")]
    [InlineData("DELETE")]
    [InlineData("SELECT 'unterminated")]
    [InlineData("SELECT \"unterminated")]
    [InlineData("SELECT /* unterminated")]
    [InlineData("SELECT $$unterminated")]
    [InlineData("WITH x AS (")]
    [InlineData(") ) ( SELECT")]
    [InlineData("UPDATE t SET")]
    [InlineData("SELECT * FROM t WHERE")]
    [InlineData("SELECT * FROM t FOR")]
    [InlineData("SELECT * FROM t FOR UPDATE OF")]
    [InlineData("INSERT INTO t (a VALUES")]
    public void MalformedSql_NeverThrows(string sql)
        => _ = SqlReader.Read(sql);
}
