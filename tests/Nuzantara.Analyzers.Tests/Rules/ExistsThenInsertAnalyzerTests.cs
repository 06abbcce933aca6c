using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Nuzantara.Analyzers.Tests.Verifiers;
using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Nuzantara.Analyzers.Rules.ExistsThenInsertAnalyzer,
    Nuzantara.Analyzers.Rules.ExistsThenInsertCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class ExistsThenInsertAnalyzerTests
{
    /// <summary>The diagnostic on the INSERT marked <c>{|#0:…|}</c>, pointing also at the probe marked <c>{|#1:…|}</c>.</summary>
    private static DiagnosticResult Nz3004(int insert = 0, int probe = 1)
        => new DiagnosticResult("NZ3004", DiagnosticSeverity.Warning).WithLocation(insert).WithLocation(probe);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source }.ExpectAsync(expected);

    private static Task VerifyFixAsync(string source, string fixedSource, string? equivalenceKey, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = equivalenceKey }.ExpectAsync(expected);

    // ---- Reports -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ContributionFlow_ProbingByHashWithForUpdate_ThenInsertingWhenMissing_Reports_ThatTheRowLockDoesNotHelp()
    {
        await VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class CollectiveMemory(NpgsqlDataSource dataSource)
            {
                public async Task ContributeAsync(string hash, string text, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await using var probe = new NpgsqlCommand({|#1:"SELECT id, support FROM facts WHERE hash = @hash FOR UPDATE"|}, connection, tx);
                    probe.Parameters.AddWithValue("hash", hash);
                    long? factId = null;
                    await using (var reader = await probe.ExecuteReaderAsync(cancellationToken))
                    {
                        if (await reader.ReadAsync(cancellationToken))
                        {
                            factId = reader.GetInt64(0);
                        }
                    }

                    if (factId is null)
                    {
                        await using var insert = new NpgsqlCommand({|#0:"INSERT INTO facts (hash, text, support) VALUES (@hash, @text, 1) RETURNING id"|}, connection, tx);
                        insert.Parameters.AddWithValue("hash", hash);
                        insert.Parameters.AddWithValue("text", text);
                        factId = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
                    }
                    else
                    {
                        await using var bump = new NpgsqlCommand("UPDATE facts SET support = support + 1 WHERE id = @id", connection, tx);
                        bump.Parameters.AddWithValue("id", factId.Value);
                        await bump.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await tx.CommitAsync(cancellationToken);
                }
            }
            """,
            VerifyCS.Diagnostic("NZ3004").WithLocation(0).WithLocation(1).WithArguments(
                "SELECT id, support FROM facts WHERE hash = @hash FOR UPDATE",
                "facts",
                "hash",
                "INSERT INTO facts (hash, text, support) VALUES (@hash, @text, 1) RETURNING id",
                " (the probe's row lock does not prevent it)"));
    }

    [Fact]
    public async Task DapperEmailProbe_ThenInsert_Reports()
    {
        await VerifyAsync(
            """
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class SignUp(IDbConnection connection)
            {
                public async Task<bool> RegisterAsync(string email, string name)
                {
                    var taken = await connection.QueryFirstOrDefaultAsync<long?>({|#1:"SELECT id FROM users WHERE lower(email) = lower(@email)"|}, new { email });
                    if (taken is not null)
                    {
                        return false;
                    }

                    await connection.ExecuteAsync({|#0:"INSERT INTO users (email, name) VALUES (@email, @name)"|}, new { email, name });
                    return true;
                }
            }
            """,
            VerifyCS.Diagnostic("NZ3004").WithLocation(0).WithLocation(1).WithArguments(
                "SELECT id FROM users WHERE lower(email) = lower(@email)",
                "users",
                "email",
                "INSERT INTO users (email, name) VALUES (@email, @name)",
                string.Empty));
    }

    [Fact]
    public async Task ExistsSubqueryProbe_Reports()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Teams(IDbConnection connection)
            {
                public async Task JoinAsync(long team, long user)
                {
                    if (!await connection.ExecuteScalarAsync<bool>({|#1:"SELECT EXISTS (SELECT 1 FROM memberships WHERE team_id = @team AND user_id = @user)"|}, new { team, user }))
                    {
                        await connection.ExecuteAsync({|#0:"INSERT INTO memberships (team_id, user_id, joined_at) VALUES (@team, @user, now())"|}, new { team, user });
                    }
                }
            }
            """,
            Nz3004());
    }

    [Fact]
    public async Task EntityFrameworkRawSqlProbe_ThenInterpolatedInsert_Reports()
    {
        await VerifyAsync("""
            using System.Linq;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class Favorites(DbContext db)
            {
                public async Task AddAsync(long userId, long productId)
                {
                    var exists = await db.Database.SqlQuery<int>({|#1:$"SELECT 1 AS \"Value\" FROM favorites WHERE user_id = {userId} AND product_id = {productId}"|}).AnyAsync();
                    if (!exists)
                    {
                        await db.Database.ExecuteSqlAsync({|#0:$"INSERT INTO favorites (user_id, product_id) VALUES ({userId}, {productId})"|});
                    }
                }
            }
            """,
            Nz3004());
    }

    [Fact]
    public async Task CapacityCountProbe_Reports()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Slots(IDbConnection connection)
            {
                public async Task<bool> BookAsync(long slot, long user)
                {
                    var booked = await connection.ExecuteScalarAsync<int>({|#1:"SELECT count(*) FROM bookings WHERE slot_id = @slot"|}, new { slot });
                    if (booked >= 10)
                    {
                        return false;
                    }

                    await connection.ExecuteAsync({|#0:"INSERT INTO bookings (slot_id, user_id) VALUES (@slot, @user)"|}, new { slot, user });
                    return true;
                }
            }
            """,
            Nz3004());
    }

    [Fact]
    public async Task InsertWithoutColumnList_AndNotExistsGuard_Report()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Tags(NpgsqlConnection connection)
            {
                public async Task AddAsync(string name)
                {
                    await using var probe = new NpgsqlCommand({|#1:"SELECT id FROM tags WHERE name = @name"|}, connection);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand({|#0:"INSERT INTO tags VALUES (DEFAULT, @name)"|}, connection);
                        await insert.ExecuteNonQueryAsync();
                    }
                }

                // NOT EXISTS in the INSERT is checked under read committed too: two inserts both see no row.
                public async Task LabelAsync(long item, string label)
                {
                    await using var probe = new NpgsqlCommand({|#3:"SELECT 1 FROM labels WHERE item_id = @item AND label = @label"|}, connection);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand({|#2:"INSERT INTO labels (item_id, label) SELECT @item, @label WHERE NOT EXISTS (SELECT 1 FROM labels WHERE item_id = @item AND label = @label)"|}, connection);
                        await insert.ExecuteNonQueryAsync();
                    }
                }
            }
            """,
            Nz3004(),
            Nz3004(2, 3));
    }

    [Fact]
    public async Task RepeatableReadAndReadCommittedTransactions_DoNotStopPhantoms_Report()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Devices(NpgsqlConnection connection)
            {
                public async Task RegisterAsync(string serial)
                {
                    await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead);
                    await using var probe = new NpgsqlCommand({|#1:"SELECT 1 FROM devices WHERE serial = @serial"|}, connection, tx);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand({|#0:"INSERT INTO devices (serial) VALUES (@serial)"|}, connection, tx);
                        await insert.ExecuteNonQueryAsync();
                    }

                    await tx.CommitAsync();
                }

                public void Pair(string serial, string owner)
                {
                    using var tx = connection.BeginTransaction(IsolationLevel.ReadCommitted);
                    using var command = connection.CreateCommand();
                    command.Transaction = tx;
                    command.CommandText = {|#3:"SELECT owner FROM pairings WHERE serial = @serial"|};
                    if (command.ExecuteScalar() is null)
                    {
                        command.CommandText = {|#2:"INSERT INTO pairings (serial, owner) VALUES (@serial, @owner)"|};
                        command.ExecuteNonQuery();
                    }

                    tx.Commit();
                }
            }
            """,
            Nz3004(),
            Nz3004(2, 3));
    }

    [Fact]
    public async Task MinimalApiLambda_WithDataSourceCommands_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Npgsql;

            public static class Endpoints
            {
                public static Func<string, string, Task> Shorten(NpgsqlDataSource dataSource) => async (code, url) =>
                {
                    await using var probe = dataSource.CreateCommand({|#1:"SELECT url FROM short_links WHERE code = $1"|});
                    probe.Parameters.AddWithValue(code);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = dataSource.CreateCommand({|#0:"INSERT INTO short_links (code, url) VALUES ($1, $2)"|});
                        await insert.ExecuteNonQueryAsync();
                    }
                };
            }
            """,
            Nz3004());
    }

    // ---- Stays quiet ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task InsertOnConflict_IsQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class SignUp(IDbConnection connection)
            {
                public async Task RegisterAsync(string email, string name)
                {
                    var existing = await connection.QueryFirstOrDefaultAsync<long?>("SELECT id FROM users WHERE email = @email", new { email });
                    if (existing is null)
                    {
                        await connection.ExecuteAsync("INSERT INTO users (email, name) VALUES (@email, @name) ON CONFLICT (email) DO NOTHING", new { email, name });
                    }
                }

                public async Task VisitAsync(string page)
                {
                    var seen = await connection.ExecuteScalarAsync<int?>("SELECT hits FROM page_views WHERE page = @page", new { page });
                    await connection.ExecuteAsync("INSERT INTO page_views (page, hits) VALUES (@page, 1) ON CONFLICT (page) DO UPDATE SET hits = page_views.hits + 1", new { page });
                }
            }
            """);
    }

    [Fact]
    public async Task FixedContributionFlow_InsertOnConflictThenRowLock_WithOutbox_IsQuiet()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class CollectiveMemory(NpgsqlDataSource dataSource)
            {
                public async Task ContributeAsync(string hash, string text, long userId, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await using var upsert = new NpgsqlCommand("INSERT INTO facts (hash, text) VALUES (@hash, @text) ON CONFLICT (hash) DO NOTHING", connection, tx);
                    await upsert.ExecuteNonQueryAsync(cancellationToken);
                    await using var locked = new NpgsqlCommand("SELECT id, promoted FROM facts WHERE hash = @hash FOR UPDATE", connection, tx);
                    var factId = (long)(await locked.ExecuteScalarAsync(cancellationToken))!;
                    await using var source = new NpgsqlCommand("INSERT INTO fact_sources (fact_id, user_id) VALUES (@fact, @user) ON CONFLICT DO NOTHING", connection, tx);
                    await source.ExecuteNonQueryAsync(cancellationToken);
                    await using var count = new NpgsqlCommand("UPDATE facts SET support = support + 1 WHERE id = @fact RETURNING support", connection, tx);
                    var support = (int)(await count.ExecuteScalarAsync(cancellationToken))!;
                    if (support == 3)
                    {
                        await using var outbox = new NpgsqlCommand("INSERT INTO outbox (topic, payload) VALUES ('fact.promoted', @payload)", connection, tx);
                        await outbox.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await tx.CommitAsync(cancellationToken);
                }
            }
            """);
    }

    [Fact]
    public async Task MergeAndSerializableTransactions_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Stock(NpgsqlConnection connection)
            {
                public async Task ReceiveAsync(long item, int quantity)
                {
                    await using var probe = new NpgsqlCommand("SELECT quantity FROM stock WHERE item_id = @item", connection);
                    await probe.ExecuteScalarAsync();
                    await using var merge = new NpgsqlCommand("MERGE INTO stock s USING (SELECT @item AS item_id) d ON s.item_id = d.item_id WHEN NOT MATCHED THEN INSERT (item_id, quantity) VALUES (d.item_id, @quantity)", connection);
                    await merge.ExecuteNonQueryAsync();
                }

                public async Task RegisterAsync(string serial)
                {
                    await using var tx = await connection.BeginTransactionAsync(IsolationLevel.Serializable);
                    await using var probe = new NpgsqlCommand("SELECT 1 FROM devices WHERE serial = @serial", connection, tx);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand("INSERT INTO devices (serial) VALUES (@serial)", connection, tx);
                        await insert.ExecuteNonQueryAsync();
                    }

                    await tx.CommitAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task UniqueViolationHandled_IsQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public sealed class SignUp(IDbConnection connection)
            {
                public async Task<bool> RegisterAsync(string email)
                {
                    if (await connection.ExecuteScalarAsync<long?>("SELECT id FROM users WHERE email = @email", new { email }) is not null)
                    {
                        return false;
                    }

                    try
                    {
                        await connection.ExecuteAsync("INSERT INTO users (email) VALUES (@email)", new { email });
                        return true;
                    }
                    catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
                    {
                        return false;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task ProbesOfOtherTablesOrColumns_AndProbesAfterTheInsert_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Orders(IDbConnection connection)
            {
                public async Task PlaceAsync(long customer, decimal total)
                {
                    var active = await connection.ExecuteScalarAsync<bool>("SELECT active FROM customers WHERE id = @customer", new { customer });
                    var last = await connection.ExecuteScalarAsync<long?>("SELECT max(id) FROM orders WHERE id = @customer", new { customer });
                    await connection.ExecuteAsync("INSERT INTO orders (customer_id, total) VALUES (@customer, @total)", new { customer, total });
                    var count = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM orders WHERE customer_id = @customer", new { customer });
                }

                public async Task LogAsync(string message)
                {
                    var total = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log");
                    await connection.ExecuteAsync("INSERT INTO audit_log (message) VALUES (@message)", new { message });
                }
            }
            """);
    }

    [Fact]
    public async Task DynamicSql_AndLocks_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Registry(IDbConnection connection)
            {
                public async Task AddAsync(string table, string key)
                {
                    if (await connection.ExecuteScalarAsync<int?>($"SELECT 1 FROM {table} WHERE key = @key", new { key }) is null)
                    {
                        await connection.ExecuteAsync($"INSERT INTO {table} (key) VALUES (@key)", new { key });
                    }
                }

                public async Task AddLockedAsync(string key)
                {
                    using var tx = connection.BeginTransaction();
                    await connection.ExecuteAsync("LOCK TABLE registry IN SHARE ROW EXCLUSIVE MODE", transaction: tx);
                    if (await connection.ExecuteScalarAsync<int?>("SELECT 1 FROM registry WHERE key = @key", new { key }, tx) is null)
                    {
                        await connection.ExecuteAsync("INSERT INTO registry (key) VALUES (@key)", new { key }, tx);
                    }

                    tx.Commit();
                }

                public async Task AddAdvisoryAsync(string key)
                {
                    using var tx = connection.BeginTransaction();
                    await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext(@key))", new { key }, tx);
                    if (await connection.ExecuteScalarAsync<int?>("SELECT 1 FROM registry WHERE key = @key", new { key }, tx) is null)
                    {
                        await connection.ExecuteAsync("INSERT INTO registry (key) VALUES (@key)", new { key }, tx);
                    }

                    tx.Commit();
                }
            }
            """);
    }

    [Fact]
    public async Task InsertsWithoutAProbe_AreQuiet()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Events(NpgsqlConnection connection)
            {
                public async Task AppendAsync(long stream, string payload)
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO events (stream_id, payload) VALUES (@stream, @payload::jsonb)", connection);
                    await insert.ExecuteNonQueryAsync();
                    await using var read = new NpgsqlCommand("SELECT count(*) FROM events WHERE stream_id = @stream", connection);
                    await read.ExecuteScalarAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task ProbeAndInsertInOneCommand_OrInDifferentMethods_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Carts(IDbConnection connection)
            {
                public Task<long?> FindAsync(long user) => connection.ExecuteScalarAsync<long?>("SELECT id FROM carts WHERE user_id = @user", new { user });

                public Task CreateAsync(long user) => connection.ExecuteAsync("INSERT INTO carts (user_id) VALUES (@user)", new { user });

                public Task<long> OpenAsync(long user)
                    => connection.ExecuteScalarAsync<long>("INSERT INTO carts (user_id) VALUES (@user) ON CONFLICT (user_id) DO NOTHING; SELECT id FROM carts WHERE user_id = @user", new { user });
            }
            """);
    }

    [Fact]
    public async Task LoadingRowsToAppendTo_AndProbesOnOtherKeys_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Linq;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Chat(IDbConnection connection)
            {
                public async Task<string[]> ReplyAsync(long session, string body)
                {
                    var history = (await connection.QueryAsync<string>("SELECT body FROM messages WHERE session_id = @session ORDER BY seq", new { session })).ToArray();
                    await connection.ExecuteAsync("INSERT INTO messages (session_id, body) VALUES (@session, @body)", new { session, body });
                    return history;
                }

                public async Task InviteAsync(long team, long user, string email)
                {
                    var member = await connection.ExecuteScalarAsync<long?>("SELECT id FROM invites WHERE team_id = @team AND user_id = @user", new { team, user });
                    await connection.ExecuteAsync("INSERT INTO invites (team_id, email) VALUES (@team, @email)", new { team, email });
                }
            }
            """);
    }

    // ---- Code fix ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Fix_AddsOnConflictDoNothing()
    {
        await VerifyFixAsync(
            """
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class SignUp(IDbConnection connection)
            {
                public async Task RegisterAsync(string email, string name)
                {
                    if (await connection.QueryFirstOrDefaultAsync<long?>({|#1:"SELECT id FROM users WHERE email = @email"|}, new { email }) is null)
                    {
                        await connection.ExecuteAsync({|#0:"INSERT INTO users (email, name) VALUES (@email, @name);"|}, new { email, name });
                    }
                }
            }
            """,
            """
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class SignUp(IDbConnection connection)
            {
                public async Task RegisterAsync(string email, string name)
                {
                    if (await connection.QueryFirstOrDefaultAsync<long?>("SELECT id FROM users WHERE email = @email", new { email }) is null)
                    {
                        await connection.ExecuteAsync("INSERT INTO users (email, name) VALUES (@email, @name) ON CONFLICT DO NOTHING;", new { email, name });
                    }
                }
            }
            """,
            null,
            Nz3004());
    }

    [Fact]
    public async Task Fix_GoesBeforeReturning_InARawString()
    {
        await VerifyFixAsync(
            """"
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Facts(NpgsqlConnection connection, NpgsqlTransaction tx)
            {
                public async Task<long?> AddAsync(string hash, string text)
                {
                    await using var probe = new NpgsqlCommand({|#1:"SELECT id FROM facts WHERE hash = @hash FOR UPDATE"|}, connection, tx);
                    if (await probe.ExecuteScalarAsync() is long id)
                    {
                        return id;
                    }

                    await using var insert = new NpgsqlCommand({|#0:"""
                        INSERT INTO facts (hash, text)
                        VALUES (@hash, @text)
                        RETURNING id
                        """|}, connection, tx);
                    return (long?)await insert.ExecuteScalarAsync();
                }
            }
            """",
            """"
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Facts(NpgsqlConnection connection, NpgsqlTransaction tx)
            {
                public async Task<long?> AddAsync(string hash, string text)
                {
                    await using var probe = new NpgsqlCommand("SELECT id FROM facts WHERE hash = @hash FOR UPDATE", connection, tx);
                    if (await probe.ExecuteScalarAsync() is long id)
                    {
                        return id;
                    }

                    await using var insert = new NpgsqlCommand("""
                        INSERT INTO facts (hash, text)
                        VALUES (@hash, @text)
                        ON CONFLICT DO NOTHING
                        RETURNING id
                        """, connection, tx);
                    return (long?)await insert.ExecuteScalarAsync();
                }
            }
            """",
            null,
            Nz3004());
    }

    [Fact]
    public async Task Fix_KeepsEscapesVerbatimQuotesAndInterpolatedRawStrings()
    {
        await VerifyFixAsync(
            """"
            using System.Data;
            using Dapper;

            public sealed class Notes(IDbConnection connection)
            {
                private const int Limit = 5;

                public void Escaped(long k)
                {
                    if (connection.ExecuteScalar<int?>({|#1:"SELECT 1 FROM a WHERE k = @k"|}, new { k }) is null)
                    {
                        connection.Execute({|#0:"INSERT INTO a (k, title) VALUES (@k, 'say \"hi\"\\t')\n"|}, new { k });
                    }
                }

                public void Verbatim(long k)
                {
                    if (connection.ExecuteScalar<int?>({|#3:"SELECT 1 FROM b WHERE k = @k"|}, new { k }) is null)
                    {
                        connection.Execute({|#2:@"INSERT INTO b (k, label) VALUES (@k, 'say ""hi""')"|}, new { k });
                    }
                }

                public void Interpolated(long k)
                {
                    if (connection.ExecuteScalar<int?>({|#5:"SELECT 1 FROM c WHERE k = @k"|}, new { k }) is null)
                    {
                        connection.Execute({|#4:$"""
                            INSERT INTO c (k, n)
                            VALUES (@k, {Limit}) -- at most
                            """|}, new { k });
                    }
                }
            }
            """",
            """"
            using System.Data;
            using Dapper;

            public sealed class Notes(IDbConnection connection)
            {
                private const int Limit = 5;

                public void Escaped(long k)
                {
                    if (connection.ExecuteScalar<int?>("SELECT 1 FROM a WHERE k = @k", new { k }) is null)
                    {
                        connection.Execute("INSERT INTO a (k, title) VALUES (@k, 'say \"hi\"\\t') ON CONFLICT DO NOTHING\n", new { k });
                    }
                }

                public void Verbatim(long k)
                {
                    if (connection.ExecuteScalar<int?>("SELECT 1 FROM b WHERE k = @k", new { k }) is null)
                    {
                        connection.Execute(@"INSERT INTO b (k, label) VALUES (@k, 'say ""hi""') ON CONFLICT DO NOTHING", new { k });
                    }
                }

                public void Interpolated(long k)
                {
                    if (connection.ExecuteScalar<int?>("SELECT 1 FROM c WHERE k = @k", new { k }) is null)
                    {
                        connection.Execute($"""
                            INSERT INTO c (k, n)
                            VALUES (@k, {Limit}) ON CONFLICT DO NOTHING -- at most
                            """, new { k });
                    }
                }
            }
            """",
            null,
            Nz3004(),
            Nz3004(2, 3),
            Nz3004(4, 5));
    }

    [Fact]
    public async Task SecondFix_UpsertsOnTheProbedKey()
    {
        await VerifyFixAsync(
            """
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Preferences(IDbConnection connection)
            {
                public async Task SetAsync(long user, string theme)
                {
                    if (await connection.ExecuteScalarAsync<int?>({|#1:"SELECT 1 FROM preferences WHERE user_id = @user"|}, new { user }) is null)
                    {
                        await connection.ExecuteAsync({|#0:$"INSERT INTO preferences (user_id, theme) VALUES (@user, @theme)"|}, new { user, theme });
                    }
                }
            }
            """,
            """
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Preferences(IDbConnection connection)
            {
                public async Task SetAsync(long user, string theme)
                {
                    if (await connection.ExecuteScalarAsync<int?>("SELECT 1 FROM preferences WHERE user_id = @user", new { user }) is null)
                    {
                        await connection.ExecuteAsync($"INSERT INTO preferences (user_id, theme) VALUES (@user, @theme) ON CONFLICT (user_id) DO UPDATE SET theme = EXCLUDED.theme", new { user, theme });
                    }
                }
            }
            """,
            "NZ3004.DoUpdate",
            Nz3004());
    }

    [Fact]
    public async Task SeveralDiagnosticsInOneDocument_FixAllFixesEach()
    {
        await VerifyFixAsync(
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Catalog(NpgsqlConnection connection)
            {
                public async Task AddTagAsync(string name)
                {
                    await using var probe = new NpgsqlCommand({|#1:"SELECT 1 FROM tags WHERE name = @name"|}, connection);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand({|#0:@"INSERT INTO tags (name) VALUES (@name)"|}, connection);
                        await insert.ExecuteNonQueryAsync();
                    }
                }

                public async Task AddBrandAsync(string slug)
                {
                    await using var probe = new NpgsqlCommand({|#3:"SELECT id FROM brands WHERE slug = @slug"|}, connection);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand({|#2:"INSERT INTO brands (slug) VALUES (@slug) RETURNING id"|}, connection);
                        await insert.ExecuteScalarAsync();
                    }
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Catalog(NpgsqlConnection connection)
            {
                public async Task AddTagAsync(string name)
                {
                    await using var probe = new NpgsqlCommand("SELECT 1 FROM tags WHERE name = @name", connection);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand(@"INSERT INTO tags (name) VALUES (@name) ON CONFLICT DO NOTHING", connection);
                        await insert.ExecuteNonQueryAsync();
                    }
                }

                public async Task AddBrandAsync(string slug)
                {
                    await using var probe = new NpgsqlCommand("SELECT id FROM brands WHERE slug = @slug", connection);
                    if (await probe.ExecuteScalarAsync() is null)
                    {
                        await using var insert = new NpgsqlCommand("INSERT INTO brands (slug) VALUES (@slug) ON CONFLICT DO NOTHING RETURNING id", connection);
                        await insert.ExecuteScalarAsync();
                    }
                }
            }
            """,
            null,
            Nz3004(),
            Nz3004(2, 3));
    }

    [Fact]
    public async Task CapacityCheck_GetsNoFix()
    {
        const string source = """
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Slots(IDbConnection connection)
            {
                public async Task BookAsync(long slot, long user)
                {
                    if (await connection.ExecuteScalarAsync<int>({|#1:"SELECT count(*) FROM bookings WHERE slot_id = @slot"|}, new { slot }) < 10)
                    {
                        await connection.ExecuteAsync({|#0:"INSERT INTO bookings (slot_id, user_id) VALUES (@slot, @user)"|}, new { slot, user });
                    }
                }
            }
            """;
        await new VerifyCS.Test { TestCode = source }.ExpectNoFixAsync(Nz3004());
    }
}
