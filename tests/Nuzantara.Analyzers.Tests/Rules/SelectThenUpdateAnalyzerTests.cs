using Microsoft.CodeAnalysis.Testing;
using Nuzantara.Analyzers.Tests.Verifiers;
using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Nuzantara.Analyzers.Rules.SelectThenUpdateAnalyzer,
    Nuzantara.Analyzers.Rules.SelectThenUpdateCodeFixProvider>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class SelectThenUpdateAnalyzerTests
{
    private const string NoLock = "without a row lock, outside a serializable transaction";

    /// <summary>The diagnostic on the SELECT marked <c>{|#0:…|}</c>, pointing also at the write marked <c>{|#1:…|}</c>.</summary>
    private static DiagnosticResult Nz3003(int read = 0, int write = 1)
        => new DiagnosticResult("NZ3003", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(read).WithLocation(write);

    /// <summary>As <see cref="Nz3003"/>, with the message checked.</summary>
    private static DiagnosticResult Nz3003(string select, string table, string reason, string write)
        => VerifyCS.Diagnostic("NZ3003").WithLocation(0).WithLocation(1).WithArguments(select, table, reason, write);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source }.ExpectAsync(expected);

    private static Task VerifyAsync(string source, string[] options, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source }.WithOptions(options).ExpectAsync(expected);

    private static Task VerifyNoFixAsync(string source, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source }.ExpectNoFixAsync(expected);

    private static Task VerifyFixAsync(string source, string fixedSource, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source, FixedCode = fixedSource }.ExpectAsync(expected);

    // ---- Reports -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task NpgsqlSelectThenUpdate_WithoutTransaction_Reports_NamingTableAndBothStatements()
    {
        await VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Wallets(NpgsqlDataSource dataSource)
            {
                public async Task<bool> WithdrawAsync(long accountId, decimal amount, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var read = new NpgsqlCommand({|#0:"SELECT balance FROM accounts WHERE id = @id"|}, connection);
                    read.Parameters.AddWithValue("id", accountId);
                    var balance = (decimal)(await read.ExecuteScalarAsync(cancellationToken))!;
                    if (balance < amount)
                    {
                        return false;
                    }

                    await using var write = new NpgsqlCommand({|#1:"UPDATE accounts SET balance = @balance WHERE id = @id"|}, connection);
                    write.Parameters.AddWithValue("balance", balance - amount);
                    write.Parameters.AddWithValue("id", accountId);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                    return true;
                }
            }
            """,
            Nz3003(
                "SELECT balance FROM accounts WHERE id = @id",
                "accounts",
                NoLock,
                "UPDATE accounts SET balance = @balance WHERE id = @id"));
    }

    [Fact]
    public async Task ReadCommittedTransaction_DoesNotProtectTheRead_Reports()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Profiles(NpgsqlDataSource dataSource)
            {
                public async Task RenameAsync(long userId, string suffix, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await using var read = new NpgsqlCommand({|#0:"SELECT display_name FROM profiles WHERE user_id = @user"|}, connection, tx);
                    read.Parameters.AddWithValue("user", userId);
                    var name = (string)(await read.ExecuteScalarAsync(cancellationToken))!;
                    await using var write = new NpgsqlCommand({|#1:"UPDATE profiles SET display_name = @name WHERE user_id = @user"|}, connection, tx);
                    write.Parameters.AddWithValue("name", name + suffix);
                    write.Parameters.AddWithValue("user", userId);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task DapperQueryThenExecute_Reports()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class LoyaltyPoints(IDbConnection connection)
            {
                public async Task AddAsync(long customerId, int points)
                {
                    var current = await connection.QuerySingleAsync<int>({|#0:"SELECT points FROM loyalty WHERE customer_id = @customerId"|}, new { customerId });
                    await connection.ExecuteAsync({|#1:"UPDATE loyalty SET points = @total WHERE customer_id = @customerId"|}, new { total = current + points, customerId });
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task EntityFrameworkRawSql_Reports()
    {
        await VerifyAsync("""
            using System.Linq;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class Seat
            {
                public long Id { get; set; }
                public bool Taken { get; set; }
            }

            public sealed class BookingContext(DbContextOptions<BookingContext> options) : DbContext(options)
            {
                public DbSet<Seat> Seats => Set<Seat>();
            }

            public sealed class Bookings(BookingContext db)
            {
                public async Task<bool> TakeAsync(long seatId)
                {
                    var seat = await db.Seats.FromSqlRaw({|#0:"SELECT * FROM seats WHERE id = {0}"|}, seatId).SingleAsync();
                    if (seat.Taken)
                    {
                        return false;
                    }

                    await db.Database.ExecuteSqlInterpolatedAsync({|#1:$"UPDATE seats SET taken = true WHERE id = {seatId}"|});
                    return true;
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task DeleteAfterSelect_Reports()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Checkout(NpgsqlDataSource dataSource)
            {
                public async Task<List<long>> PlaceOrderAsync(long cartId, CancellationToken cancellationToken)
                {
                    var items = new List<long>();
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using (var read = new NpgsqlCommand({|#0:"SELECT item_id FROM cart_items WHERE cart_id = @cart"|}, connection))
                    {
                        read.Parameters.AddWithValue("cart", cartId);
                        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                        while (await reader.ReadAsync(cancellationToken))
                        {
                            items.Add(reader.GetInt64(0));
                        }
                    }

                    await using var clear = new NpgsqlCommand({|#1:"DELETE FROM cart_items WHERE cart_id = @cart"|}, connection);
                    clear.Parameters.AddWithValue("cart", cartId);
                    await clear.ExecuteNonQueryAsync(cancellationToken);
                    return items;
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task WorkerClaimingAJobWithoutALock_Reports()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class JobWorker(NpgsqlDataSource dataSource)
            {
                public async Task<long?> ClaimAsync(string worker, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var next = new NpgsqlCommand({|#0:"SELECT id FROM jobs WHERE status = 'pending' ORDER BY id LIMIT 1"|}, connection);
                    if (await next.ExecuteScalarAsync(cancellationToken) is not long id)
                    {
                        return null;
                    }

                    await using var claim = new NpgsqlCommand({|#1:"UPDATE jobs SET worker = @worker, started_at = now() WHERE id = @id"|}, connection);
                    claim.Parameters.AddWithValue("worker", worker);
                    claim.Parameters.AddWithValue("id", id);
                    await claim.ExecuteNonQueryAsync(cancellationToken);
                    return id;
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task SqlFromConstantsLocalsConcatenationAndRawStrings_Reports()
    {
        await VerifyAsync(""""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Quotas(NpgsqlConnection connection)
            {
                private const string Table = "quotas";
                private const string SelectUsed = "SELECT used FROM " + Table + " WHERE tenant_id = @tenant";
                private static readonly string UpdateUsed = "UPDATE quotas " + "SET used = @used WHERE tenant_id = @tenant";

                public async Task ConsumeAsync(long tenant, int amount, CancellationToken cancellationToken)
                {
                    await using var read = new NpgsqlCommand({|#0:SelectUsed|}, connection);
                    var used = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
                    var update = UpdateUsed;
                    await using var write = new NpgsqlCommand({|#1:update|}, connection);
                    write.Parameters.AddWithValue("used", used + amount);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                }

                public async Task ResetAsync(long tenant, CancellationToken cancellationToken)
                {
                    const string read = """
                        SELECT used
                        FROM quotas
                        WHERE tenant_id = @tenant
                        """;
                    await using var command = new NpgsqlCommand({|#2:read|}, connection);
                    if ((int)(await command.ExecuteScalarAsync(cancellationToken))! > 0)
                    {
                        command.CommandText = {|#3:@"UPDATE quotas SET used = 0 WHERE tenant_id = @tenant"|};
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            }
            """",
            Nz3003(),
            Nz3003(2, 3));
    }

    [Fact]
    public async Task ForUpdateOutsideAnyTransaction_OnAConnectionOpenedHere_Reports_ThatTheLockEndsWithTheSelect()
    {
        await VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Tickets(NpgsqlDataSource dataSource)
            {
                public async Task AssignAsync(long ticketId, string agent, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var read = new NpgsqlCommand({|#0:"SELECT assignee FROM tickets WHERE id = @id FOR UPDATE"|}, connection);
                    read.Parameters.AddWithValue("id", ticketId);
                    if (await read.ExecuteScalarAsync(cancellationToken) is string)
                    {
                        return;
                    }

                    await using var write = new NpgsqlCommand({|#1:"UPDATE tickets SET assignee = @agent WHERE id = @id"|}, connection);
                    write.Parameters.AddWithValue("agent", agent);
                    write.Parameters.AddWithValue("id", ticketId);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            """,
            Nz3003(
                "SELECT assignee FROM tickets WHERE id = @id FOR UPDATE",
                "tickets",
                "with a row lock, but outside any transaction, so the lock ends with the SELECT",
                "UPDATE tickets SET assignee = @agent WHERE id = @id"));
    }

    [Fact]
    public async Task MinimalApiEndpointLambda_WithSchemaQualifiedNames_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Npgsql;

            public static class Endpoints
            {
                public static Func<long, Task> Rename(NpgsqlDataSource dataSource) => async id =>
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var read = new NpgsqlCommand({|#0:"SELECT c.title FROM app.collections c WHERE c.id = @id"|}, connection);
                    var title = (string?)await read.ExecuteScalarAsync();
                    await using var write = new NpgsqlCommand({|#1:"UPDATE collections SET title = @title WHERE id = @id"|}, connection);
                    write.Parameters.AddWithValue("title", title + " (archived)");
                    await write.ExecuteNonQueryAsync();
                };
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task LockedInATransaction_ButWrittenAfterTheCommit_Reports()
    {
        await VerifyAsync(
            """
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Stock(NpgsqlDataSource dataSource)
            {
                public async Task RestockAsync(long itemId, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    int quantity;
                    await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
                    {
                        await using var read = new NpgsqlCommand({|#0:"SELECT quantity FROM stock WHERE item_id = @item FOR UPDATE"|}, connection, tx);
                        quantity = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
                        await tx.CommitAsync(cancellationToken);
                    }

                    await using var write = new NpgsqlCommand({|#1:"UPDATE stock SET quantity = @quantity WHERE item_id = @item"|}, connection);
                    write.Parameters.AddWithValue("quantity", quantity + 10);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            """,
            Nz3003(
                "SELECT quantity FROM stock WHERE item_id = @item FOR UPDATE",
                "stock",
                "with a row lock, but the write runs outside the transaction that holds it",
                "UPDATE stock SET quantity = @quantity WHERE item_id = @item"));
    }

    [Fact]
    public async Task DataSourceCommands_RunOnSeparateConnections_ReportEvenWithForUpdate()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Counters(NpgsqlDataSource dataSource)
            {
                public async Task BumpAsync(long id)
                {
                    await using var read = dataSource.CreateCommand({|#0:"SELECT value FROM counters WHERE id = @id FOR UPDATE"|});
                    var value = (long)(await read.ExecuteScalarAsync())!;
                    await using var write = dataSource.CreateCommand({|#1:"UPDATE counters SET value = @value WHERE id = @id"|});
                    write.Parameters.AddWithValue("value", value + 1);
                    await write.ExecuteNonQueryAsync();
                }
            }
            """,
            Nz3003());
    }

    // ---- Stays quiet ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task ForUpdateInsideTheTransactionThatWrites_IsQuiet()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Wallets(NpgsqlDataSource dataSource)
            {
                public async Task WithdrawAsync(long accountId, decimal amount, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await using var read = new NpgsqlCommand("SELECT balance FROM accounts WHERE id = @id FOR NO KEY UPDATE", connection, tx);
                    var balance = (decimal)(await read.ExecuteScalarAsync(cancellationToken))!;
                    await using var write = new NpgsqlCommand("UPDATE accounts SET balance = @balance WHERE id = @id", connection, tx);
                    write.Parameters.AddWithValue("balance", balance - amount);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                }
            }
            """);
    }

    [Fact]
    public async Task AtomicIncrementWithReturning_IsQuiet()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Facts(NpgsqlDataSource dataSource)
            {
                public async Task<int> SupportAsync(long factId, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var exists = new NpgsqlCommand("SELECT support FROM facts WHERE id = @id", connection);
                    exists.Parameters.AddWithValue("id", factId);
                    if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                    {
                        return 0;
                    }

                    await using var bump = new NpgsqlCommand("UPDATE facts SET support = support + 1 WHERE id = @id RETURNING support", connection);
                    bump.Parameters.AddWithValue("id", factId);
                    return (int)(await bump.ExecuteScalarAsync(cancellationToken))!;
                }
            }
            """);
    }

    [Fact]
    public async Task SerializableAndRepeatableReadTransactions_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.EntityFrameworkCore;
            using Npgsql;

            public sealed class Ledger(NpgsqlDataSource dataSource, DbContext db)
            {
                public async Task MoveAsync(long from, decimal amount, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
                    var balance = await connection.QuerySingleAsync<decimal>("SELECT balance FROM accounts WHERE id = @from", new { from }, tx);
                    await connection.ExecuteAsync("UPDATE accounts SET balance = @b WHERE id = @from", new { b = balance - amount, from }, tx);
                    await tx.CommitAsync(cancellationToken);
                }

                public async Task CloseAsync(long id, CancellationToken cancellationToken)
                {
                    await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
                    var open = await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM orders WHERE account_id = {0}", id).SingleAsync(cancellationToken);
                    await db.Database.ExecuteSqlRawAsync("UPDATE accounts SET closed = true, open_orders = {1} WHERE id = {0}", [id, open], cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                }
            }
            """);
    }

    [Fact]
    public async Task TransactionScope_IsSerializableByDefault_AndQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Transactions;
            using Dapper;

            public sealed class Settings(IDbConnection connection)
            {
                public void Toggle(string key)
                {
                    using var scope = new TransactionScope();
                    var value = connection.QuerySingle<bool>("SELECT enabled FROM settings WHERE key = @key", new { key });
                    connection.Execute("UPDATE settings SET enabled = @value WHERE key = @key", new { value = !value, key });
                    scope.Complete();
                }
            }
            """);
    }

    [Fact]
    public async Task WritesThatRecheckTheRow_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Orders(IDbConnection connection)
            {
                public async Task<bool> RenameAsync(long id, string name)
                {
                    var version = await connection.QuerySingleAsync<int>("SELECT version FROM orders WHERE id = @id", new { id });
                    return await connection.ExecuteAsync("UPDATE orders SET name = @name, version = version + 1 WHERE id = @id AND version = @version", new { id, name, version }) == 1;
                }

                public async Task<bool> StartAsync(long id)
                {
                    var status = await connection.QuerySingleAsync<string>("SELECT status FROM jobs WHERE id = @id", new { id });
                    return status == "pending"
                        && await connection.ExecuteAsync("UPDATE jobs SET status = 'running' WHERE id = @id AND status = 'pending'", new { id }) == 1;
                }

                public async Task<bool> ShipAsync(long id)
                {
                    var status = await connection.QuerySingleAsync<string>("SELECT status FROM orders WHERE id = @id", new { id });
                    return status == "paid"
                        && await connection.ExecuteAsync("UPDATE orders SET shipped_at = now() WHERE id = @id AND status = 'paid'", new { id }) == 1;
                }
            }
            """);
    }

    [Fact]
    public async Task SqlBuiltBeyondRecognition_IsQuiet()
    {
        await VerifyAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Reports(NpgsqlConnection connection)
            {
                public async Task RefreshAsync(string table, long id)
                {
                    var select = new StringBuilder("SELECT total FROM ").Append(table).Append(" WHERE id = @id").ToString();
                    await using var read = new NpgsqlCommand(select, connection);
                    var total = (long)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand($"UPDATE {table} SET total = @total WHERE id = @id", connection);
                    write.Parameters.AddWithValue("total", total + 1);
                    await write.ExecuteNonQueryAsync();

                    var sql = "SELECT total FROM totals WHERE id = @id";
                    sql = sql + " AND region = @region";
                    await using var again = new NpgsqlCommand(sql, connection);
                    await using var other = new NpgsqlCommand(string.Format("UPDATE totals SET total = {0} WHERE id = @id", total), connection);
                    await other.ExecuteNonQueryAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task OtherTables_WritesBeforeReads_AndOtherMethods_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Audit(IDbConnection connection)
            {
                public async Task TouchAsync(long id)
                {
                    await connection.ExecuteAsync("UPDATE users SET last_seen = now() WHERE id = @id", new { id });
                    var name = await connection.QuerySingleAsync<string>("SELECT name FROM users WHERE id = @id", new { id });
                    var count = await connection.QuerySingleAsync<int>("SELECT count(*) FROM logins WHERE user_id = @id", new { id });
                    await connection.ExecuteAsync("UPDATE user_stats SET logins = @count WHERE user_id = @id", new { id, count });
                }

                public Task<string> ReadAsync(long id) => connection.QuerySingleAsync<string>("SELECT name FROM users WHERE id = @id", new { id });

                public Task WriteAsync(long id, string name) => connection.ExecuteAsync("UPDATE users SET name = @name WHERE id = @id", new { id, name });
            }
            """);
    }

    [Fact]
    public async Task ForUpdate_OnAConnectionFromTheCaller_IsQuiet()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public static class Balances
            {
                // The caller owns the connection and, with it, the transaction the lock lives in.
                public static async Task DebitAsync(NpgsqlConnection connection, long id, decimal amount)
                {
                    await using var read = new NpgsqlCommand("SELECT balance FROM accounts WHERE id = @id FOR UPDATE", connection);
                    var balance = (decimal)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand("UPDATE accounts SET balance = @b WHERE id = @id", connection);
                    write.Parameters.AddWithValue("b", balance - amount);
                    await write.ExecuteNonQueryAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task AdvisoryLockBeforeTheRead_IsQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Memories(IDbConnection connection)
            {
                public async Task SaveAsync(long userId, string summary)
                {
                    using var tx = connection.BeginTransaction();
                    await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@userId)", new { userId }, tx);
                    var current = await connection.QuerySingleAsync<string>("SELECT summary FROM memories WHERE user_id = @userId", new { userId }, tx);
                    await connection.ExecuteAsync("UPDATE memories SET summary = @s WHERE user_id = @userId", new { s = current + summary, userId }, tx);
                    tx.Commit();
                }
            }
            """);
    }

    [Fact]
    public async Task CommandsOfOneBatch_AreQuiet()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Maintenance(NpgsqlConnection connection)
            {
                public async Task RunAsync()
                {
                    await using var batch = new NpgsqlBatch(connection)
                    {
                        BatchCommands =
                        {
                            new NpgsqlBatchCommand("SELECT count(*) FROM sessions WHERE expires_at < now()"),
                            new NpgsqlBatchCommand("DELETE FROM sessions WHERE expires_at < now()"),
                        },
                    };
                    await batch.ExecuteNonQueryAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task DatabaseDefaultIsolationSerializable_FromOptions_IsQuiet()
    {
        await VerifyAsync(
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Wallets(NpgsqlConnection connection)
            {
                public async Task TopUpAsync(long id, decimal amount)
                {
                    await using var tx = await connection.BeginTransactionAsync();
                    await using var read = new NpgsqlCommand("SELECT balance FROM accounts WHERE id = @id", connection, tx);
                    var balance = (decimal)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand("UPDATE accounts SET balance = @b WHERE id = @id", connection, tx);
                    write.Parameters.AddWithValue("b", balance + amount);
                    await write.ExecuteNonQueryAsync();
                    await tx.CommitAsync();
                }
            }
            """,
            ["nuzantara.default_isolation_level = serializable"]);
    }

    // ---- Code fix ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task InATransaction_FixAppendsForUpdate()
    {
        await VerifyFixAsync(
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Profiles(NpgsqlConnection connection)
            {
                public async Task RenameAsync(long id, string suffix)
                {
                    await using var tx = await connection.BeginTransactionAsync();
                    await using var read = new NpgsqlCommand({|#0:"SELECT name FROM profiles WHERE id = @id;"|}, connection, tx);
                    var name = (string)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand({|#1:"UPDATE profiles SET name = @name WHERE id = @id"|}, connection, tx);
                    write.Parameters.AddWithValue("name", name + suffix);
                    await write.ExecuteNonQueryAsync();
                    await tx.CommitAsync();
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Profiles(NpgsqlConnection connection)
            {
                public async Task RenameAsync(long id, string suffix)
                {
                    await using var tx = await connection.BeginTransactionAsync();
                    await using var read = new NpgsqlCommand("SELECT name FROM profiles WHERE id = @id FOR UPDATE;", connection, tx);
                    var name = (string)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand("UPDATE profiles SET name = @name WHERE id = @id", connection, tx);
                    write.Parameters.AddWithValue("name", name + suffix);
                    await write.ExecuteNonQueryAsync();
                    await tx.CommitAsync();
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task WithoutATransaction_FixLocksAndOpensOne_AroundReadAndWrite()
    {
        await VerifyFixAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Inventory(NpgsqlDataSource dataSource)
            {
                public async Task ReserveAsync(long itemId, int quantity, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var read = new NpgsqlCommand({|#0:"SELECT stock FROM items WHERE id = @id"|}, connection);
                    read.Parameters.AddWithValue("id", itemId);
                    var stock = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
                    if (stock < quantity)
                    {
                        throw new InvalidOperationException("Out of stock.");
                    }

                    await using var write = new NpgsqlCommand({|#1:"UPDATE items SET stock = @stock WHERE id = @id"|}, connection);
                    write.Parameters.AddWithValue("stock", stock - quantity);
                    write.Parameters.AddWithValue("id", itemId);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            """,
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Inventory(NpgsqlDataSource dataSource)
            {
                public async Task ReserveAsync(long itemId, int quantity, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await using var read = new NpgsqlCommand("SELECT stock FROM items WHERE id = @id FOR UPDATE", connection, tx);
                    read.Parameters.AddWithValue("id", itemId);
                    var stock = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
                    if (stock < quantity)
                    {
                        throw new InvalidOperationException("Out of stock.");
                    }

                    await using var write = new NpgsqlCommand("UPDATE items SET stock = @stock WHERE id = @id", connection, tx);
                    write.Parameters.AddWithValue("stock", stock - quantity);
                    write.Parameters.AddWithValue("id", itemId);
                    await write.ExecuteNonQueryAsync(cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task RawAndVerbatimLiterals_KeepTheirStyle()
    {
        await VerifyFixAsync(
            """"
            using System.Data;
            using Dapper;

            public sealed class Plans(IDbConnection connection)
            {
                public void Upgrade(long id, IDbTransaction tx)
                {
                    var plan = connection.QuerySingle<string>({|#0:"""
                        SELECT p.plan
                        FROM subscriptions p
                        WHERE p.id = @id -- one row
                        """|}, new { id }, tx);
                    connection.Execute({|#1:"UPDATE subscriptions SET plan = @plan WHERE id = @id"|}, new { id, plan = plan + "+" }, tx);
                }

                public void Downgrade(long id, IDbTransaction tx)
                {
                    var plan = connection.QuerySingle<string>({|#2:@"SELECT plan
                        FROM subscriptions WHERE id = @id"|}, new { id }, tx);
                    connection.Execute({|#3:"UPDATE subscriptions SET plan = @plan WHERE id = @id"|}, new { id, plan = plan.TrimEnd('+') }, tx);
                }
            }
            """",
            """"
            using System.Data;
            using Dapper;

            public sealed class Plans(IDbConnection connection)
            {
                public void Upgrade(long id, IDbTransaction tx)
                {
                    var plan = connection.QuerySingle<string>("""
                        SELECT p.plan
                        FROM subscriptions p
                        WHERE p.id = @id
                        FOR UPDATE -- one row
                        """, new { id }, tx);
                    connection.Execute("UPDATE subscriptions SET plan = @plan WHERE id = @id", new { id, plan = plan + "+" }, tx);
                }

                public void Downgrade(long id, IDbTransaction tx)
                {
                    var plan = connection.QuerySingle<string>(@"SELECT plan
                        FROM subscriptions WHERE id = @id
                        FOR UPDATE", new { id }, tx);
                    connection.Execute("UPDATE subscriptions SET plan = @plan WHERE id = @id", new { id, plan = plan.TrimEnd('+') }, tx);
                }
            }
            """",
            Nz3003(),
            Nz3003(2, 3));
    }

    [Fact]
    public async Task JoinedSelect_FixLocksOnlyTheWrittenTable()
    {
        await VerifyFixAsync(
            """
            using System.Data;
            using Dapper;

            public sealed class Shipments(IDbConnection connection)
            {
                public void Dispatch(long id, IDbTransaction tx)
                {
                    var carrier = connection.QuerySingle<string>({|#0:$"SELECT c.name FROM shipments s JOIN carriers c ON c.id = s.carrier_id WHERE s.id = @id"|}, new { id }, tx);
                    connection.Execute({|#1:"UPDATE shipments SET dispatched_by = @carrier WHERE id = @id"|}, new { id, carrier }, tx);
                }
            }
            """,
            """
            using System.Data;
            using Dapper;

            public sealed class Shipments(IDbConnection connection)
            {
                public void Dispatch(long id, IDbTransaction tx)
                {
                    var carrier = connection.QuerySingle<string>($"SELECT c.name FROM shipments s JOIN carriers c ON c.id = s.carrier_id WHERE s.id = @id FOR UPDATE OF s", new { id }, tx);
                    connection.Execute("UPDATE shipments SET dispatched_by = @carrier WHERE id = @id", new { id, carrier }, tx);
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task CreateCommandShape_InASyncMethod_FixOpensATransactionAndAssignsIt()
    {
        await VerifyFixAsync(
            """
            using Npgsql;

            public sealed class Seats(NpgsqlConnection connection)
            {
                public void Book(long seatId, string holder)
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = {|#0:"SELECT holder FROM seats WHERE id = @id"|};
                    command.Parameters.AddWithValue("id", seatId);
                    if (command.ExecuteScalar() is string)
                    {
                        throw new System.InvalidOperationException("Taken.");
                    }

                    command.CommandText = {|#1:"UPDATE seats SET holder = @holder WHERE id = @id"|};
                    command.Parameters.AddWithValue("holder", holder);
                    command.ExecuteNonQuery();
                }
            }
            """,
            """
            using Npgsql;

            public sealed class Seats(NpgsqlConnection connection)
            {
                public void Book(long seatId, string holder)
                {
                    using var tx = connection.BeginTransaction();
                    using var command = connection.CreateCommand();
                    command.Transaction = tx;
                    command.CommandText = "SELECT holder FROM seats WHERE id = @id FOR UPDATE";
                    command.Parameters.AddWithValue("id", seatId);
                    if (command.ExecuteScalar() is string)
                    {
                        throw new System.InvalidOperationException("Taken.");
                    }

                    command.CommandText = "UPDATE seats SET holder = @holder WHERE id = @id";
                    command.Parameters.AddWithValue("holder", holder);
                    command.ExecuteNonQuery();
                    tx.Commit();
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task LockWithoutTransaction_FixOpensOnlyTheTransaction()
    {
        await VerifyFixAsync(
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Tickets(NpgsqlDataSource dataSource)
            {
                public async Task CloseAsync(long id)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var read = new NpgsqlCommand({|#0:"SELECT state FROM tickets WHERE id = @id FOR UPDATE"|}, connection);
                    var state = (string)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand({|#1:"UPDATE tickets SET state = @state WHERE id = @id"|}, connection);
                    write.Parameters.AddWithValue("state", state == "open" ? "closed" : state);
                    await write.ExecuteNonQueryAsync();
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Tickets(NpgsqlDataSource dataSource)
            {
                public async Task CloseAsync(long id)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var tx = await connection.BeginTransactionAsync();
                    await using var read = new NpgsqlCommand("SELECT state FROM tickets WHERE id = @id FOR UPDATE", connection, tx);
                    var state = (string)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand("UPDATE tickets SET state = @state WHERE id = @id", connection, tx);
                    write.Parameters.AddWithValue("state", state == "open" ? "closed" : state);
                    await write.ExecuteNonQueryAsync();
                    await tx.CommitAsync();
                }
            }
            """,
            Nz3003());
    }

    [Fact]
    public async Task SeveralDiagnosticsInOneDocument_FixAllFixesEach()
    {
        await VerifyFixAsync(
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Accounts(NpgsqlDataSource dataSource)
            {
                public async Task DepositAsync(long id, decimal amount)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var read = new NpgsqlCommand({|#0:"SELECT balance FROM accounts WHERE id = @id"|}, connection);
                    var balance = (decimal)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand({|#1:"UPDATE accounts SET balance = @b WHERE id = @id"|}, connection);
                    write.Parameters.AddWithValue("b", balance + amount);
                    await write.ExecuteNonQueryAsync();
                }

                public async Task FreezeAsync(long id)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var read = new NpgsqlCommand({|#2:"SELECT frozen FROM accounts WHERE id = @id"|}, connection);
                    var frozen = (bool)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand({|#3:"DELETE FROM accounts WHERE id = @id"|}, connection);
                    if (frozen)
                    {
                        await write.ExecuteNonQueryAsync();
                    }
                }
            }
            """,
            """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Accounts(NpgsqlDataSource dataSource)
            {
                public async Task DepositAsync(long id, decimal amount)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var tx = await connection.BeginTransactionAsync();
                    await using var read = new NpgsqlCommand("SELECT balance FROM accounts WHERE id = @id FOR UPDATE", connection, tx);
                    var balance = (decimal)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand("UPDATE accounts SET balance = @b WHERE id = @id", connection, tx);
                    write.Parameters.AddWithValue("b", balance + amount);
                    await write.ExecuteNonQueryAsync();
                    await tx.CommitAsync();
                }

                public async Task FreezeAsync(long id)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var tx = await connection.BeginTransactionAsync();
                    await using var read = new NpgsqlCommand("SELECT frozen FROM accounts WHERE id = @id FOR UPDATE", connection, tx);
                    var frozen = (bool)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand("DELETE FROM accounts WHERE id = @id", connection, tx);
                    if (frozen)
                    {
                        await write.ExecuteNonQueryAsync();
                    }
                    await tx.CommitAsync();
                }
            }
            """,
            Nz3003(),
            Nz3003(2, 3));
    }

    [Fact]
    public async Task ShapesTheFixCannotRewriteSafely_GetNoFix()
    {
        await VerifyNoFixAsync(
            """
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public sealed class Limits(NpgsqlDataSource dataSource, IDbConnection dapper)
            {
                public async Task<bool> UseAsync(long id)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var read = new NpgsqlCommand({|#0:"SELECT used FROM limits WHERE id = @id"|}, connection);
                    var used = (int)(await read.ExecuteScalarAsync())!;
                    await using var write = new NpgsqlCommand({|#1:"UPDATE limits SET used = @used WHERE id = @id"|}, connection);
                    write.Parameters.AddWithValue("used", used + 1);
                    return await write.ExecuteNonQueryAsync() == 1;
                }

                public async Task ResetAsync(long id)
                {
                    var total = await dapper.QuerySingleAsync<int>({|#2:"SELECT sum(used) FROM limits WHERE id = @id"|}, new { id });
                    await dapper.ExecuteAsync({|#3:"UPDATE limits SET used = 0, total = @total WHERE id = @id"|}, new { id, total });
                }

                // In a transaction the early return would roll the audit row back.
                public async Task CheckAsync(long id)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var read = new NpgsqlCommand({|#4:"SELECT used FROM limits WHERE id = @id"|}, connection);
                    var used = (int)(await read.ExecuteScalarAsync())!;
                    await using var audit = new NpgsqlCommand("INSERT INTO audit (entry) VALUES ('checked')", connection);
                    await audit.ExecuteNonQueryAsync();
                    if (used > 10)
                    {
                        return;
                    }

                    await using var write = new NpgsqlCommand({|#5:"UPDATE limits SET used = @used WHERE id = @id"|}, connection);
                    await write.ExecuteNonQueryAsync();
                }
            }
            """,
            Nz3003(),
            Nz3003(2, 3),
            Nz3003(4, 5));
    }
}
