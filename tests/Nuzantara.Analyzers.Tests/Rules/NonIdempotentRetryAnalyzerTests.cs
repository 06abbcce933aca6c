using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Nuzantara.Analyzers.Tests.Verifiers;
using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Nuzantara.Analyzers.Rules.NonIdempotentRetryAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class NonIdempotentRetryAnalyzerTests
{
    /// <summary>The diagnostic on the INSERT marked <c>{|#0:…|}</c>, pointing also at the retry marked <c>{|#1:…|}</c>.</summary>
    private static DiagnosticResult Nz4002(int insert = 0, int retry = 1)
        => new DiagnosticResult("NZ4002", DiagnosticSeverity.Warning).WithLocation(insert).WithLocation(retry);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source }.ExpectAsync(expected);

    // ---- Reports -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ForLoopRetry_AroundAnInsert_Reports_NamingTheInsertAndTheRetry()
    {
        await VerifyAsync(
            """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Conversations(NpgsqlDataSource dataSource)
            {
                public async Task SaveAsync(string user, string session, string body, CancellationToken cancellationToken)
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        {|#1:try
                        {
                            await using var insert = dataSource.CreateCommand({|#0:"INSERT INTO messages (user_id, session_id, body) VALUES ($1, $2, $3)"|});
                            insert.Parameters.AddWithValue(user);
                            insert.Parameters.AddWithValue(session);
                            insert.Parameters.AddWithValue(body);
                            await insert.ExecuteNonQueryAsync(cancellationToken);
                            return;
                        }
                        catch (NpgsqlException e) when (e.IsTransient && attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
                        }|}
                    }
                }
            }
            """,
            VerifyCS.Diagnostic("NZ4002").WithLocation(0).WithLocation(1).WithArguments(
                "INSERT INTO messages (user_id, session_id, body) VALUES ($1, $2, $3)",
                "messages",
                "a retry loop (catch, then try again)"));
    }

    [Fact]
    public async Task WhileTrueRetry_WithBreakAfterTheTry_Reports()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public sealed class Payments(IDbConnection connection)
            {
                public async Task RecordAsync(long order, decimal amount)
                {
                    var attempts = 0;
                    while (true)
                    {
                        {|#1:try
                        {
                            await connection.ExecuteAsync({|#0:"INSERT INTO payments (order_id, amount) VALUES (@order, @amount)"|}, new { order, amount });
                        }
                        catch (NpgsqlException) when (++attempts < 5)
                        {
                            continue;
                        }|}

                        break;
                    }
                }
            }
            """,
            Nz4002());
    }

    [Fact]
    public async Task PollyPipeline_AroundAnInsert_Reports()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;
            using Polly;
            using Polly.Retry;

            public sealed class Audit(NpgsqlDataSource dataSource)
            {
                private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions()).Build();

                public async Task WriteAsync(string entry, CancellationToken cancellationToken)
                {
                    await {|#1:_retry.ExecuteAsync(async token =>
                    {
                        await using var insert = dataSource.CreateCommand({|#0:"INSERT INTO audit (entry) VALUES ($1)"|});
                        insert.Parameters.AddWithValue(entry);
                        await insert.ExecuteNonQueryAsync(token);
                    }, cancellationToken)|};
                }
            }
            """,
            Nz4002());
    }

    [Fact]
    public async Task PollyLegacyPolicy_AroundAnInsert_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;
            using Polly;

            public sealed class Orders(IDbConnection connection)
            {
                public Task PlaceAsync(long customer, decimal total)
                    => {|#1:Policy
                        .Handle<NpgsqlException>()
                        .WaitAndRetryAsync(3, attempt => TimeSpan.FromMilliseconds(50 * attempt))
                        .ExecuteAsync(() => connection.ExecuteAsync({|#0:"INSERT INTO orders (customer_id, total) VALUES (@customer, @total)"|}, new { customer, total }))|};
            }
            """,
            Nz4002());
    }

    [Fact]
    public async Task EntityFrameworkExecutionStrategy_AroundAnInsert_Reports()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class Ledger(DbContext db)
            {
                public Task AppendAsync(long account, decimal amount)
                {
                    var strategy = db.Database.CreateExecutionStrategy();
                    return {|#1:strategy.ExecuteAsync(async () =>
                    {
                        await using var tx = await db.Database.BeginTransactionAsync();
                        await db.Database.ExecuteSqlInterpolatedAsync({|#0:$"INSERT INTO entries (account_id, amount) VALUES ({account}, {amount})"|});
                        await tx.CommitAsync();
                    })|};
                }
            }
            """,
            Nz4002());
    }

    [Fact]
    public async Task RetryHelper_AroundAnInsert_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Signals(IDbConnection connection)
            {
                public Task EmitAsync(string name) => {|#1:RetryAsync(() => connection.ExecuteAsync({|#0:"INSERT INTO signals (name) VALUES (@name)"|}, new { name }), attempts: 3)|};

                private static async Task RetryAsync(Func<Task> action, int attempts)
                {
                    for (var i = 1; ; i++)
                    {
                        try
                        {
                            await action();
                            return;
                        }
                        catch (Exception) when (i < attempts)
                        {
                        }
                    }
                }
            }
            """,
            Nz4002());
    }

    [Fact]
    public async Task SuccessFlagLoop_AroundAWholeTransaction_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Transfers(NpgsqlDataSource dataSource)
            {
                public async Task TransferAsync(long from, long to, decimal amount)
                {
                    var done = false;
                    do
                    {
                        {|#1:try
                        {
                            await using var connection = await dataSource.OpenConnectionAsync();
                            await using var tx = await connection.BeginTransactionAsync();
                            await using var debit = new NpgsqlCommand("UPDATE accounts SET balance = balance - @amount WHERE id = @from", connection, tx);
                            await debit.ExecuteNonQueryAsync();
                            await using var record = new NpgsqlCommand({|#0:"INSERT INTO transfers (from_id, to_id, amount) VALUES (@from, @to, @amount)"|}, connection, tx);
                            await record.ExecuteNonQueryAsync();
                            await tx.CommitAsync();
                            done = true;
                        }
                        catch (NpgsqlException e) when (e.IsTransient)
                        {
                            await Task.Delay(100);
                        }|}
                    }
                    while (!done);
                }
            }
            """,
            Nz4002());
    }

    [Fact]
    public async Task OutboxInsertRetried_Reports()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;
            using Polly;

            public sealed class Outbox(NpgsqlConnection connection, ResiliencePipeline retry)
            {
                public ValueTask EnqueueAsync(string topic, string payload)
                    => {|#1:retry.ExecuteAsync(async _ =>
                    {
                        await using var insert = new NpgsqlCommand({|#0:"INSERT INTO outbox (topic, payload) VALUES (@topic, @payload::jsonb)"|}, connection);
                        await insert.ExecuteNonQueryAsync();
                    })|};
            }
            """,
            Nz4002());
    }

    [Fact]
    public async Task CommandCreatedBeforeTheLoop_AndExecutedInIt_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Metrics(NpgsqlConnection connection)
            {
                public async Task RecordAsync(string name, double value)
                {
                    await using var insert = new NpgsqlCommand({|#0:"INSERT INTO samples (name, value) VALUES (@name, @value)"|}, connection);
                    insert.Parameters.AddWithValue("name", name);
                    insert.Parameters.AddWithValue("value", value);
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        {|#1:try
                        {
                            await insert.ExecuteNonQueryAsync();
                            break;
                        }
                        catch (TimeoutException)
                        {
                        }|}
                    }
                }
            }
            """,
            Nz4002());
    }

    // ---- Stays quiet ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task IdempotentInserts_InRetries_AreQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;
            using Polly;

            public sealed class Conversations(IDbConnection connection, ResiliencePipeline retry)
            {
                public async Task SaveAsync(Guid idempotencyKey, string user, string body)
                {
                    await retry.ExecuteAsync(async _ => await connection.ExecuteAsync("INSERT INTO messages (idempotency_key, user_id, body) VALUES (@idempotencyKey, @user, @body)", new { idempotencyKey, user, body }));
                    await retry.ExecuteAsync(async _ => await connection.ExecuteAsync("INSERT INTO requests (request_id, user_id) VALUES (@idempotencyKey, @user)", new { idempotencyKey, user }));
                    await retry.ExecuteAsync(async _ => await connection.ExecuteAsync("INSERT INTO sessions (user_id, body) VALUES (@user, @body) ON CONFLICT (user_id) DO UPDATE SET body = EXCLUDED.body", new { user, body }));
                    await retry.ExecuteAsync(async _ => await connection.ExecuteAsync("INSERT INTO members (user_id) SELECT @user WHERE NOT EXISTS (SELECT 1 FROM members WHERE user_id = @user)", new { user }));
                }
            }
            """);
    }

    [Fact]
    public async Task ForeachWithTryCatchPerItem_IsNotARetry_AndQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Collections.Generic;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Importer(IDbConnection connection)
            {
                public async Task<int> ImportAsync(IEnumerable<string> rows)
                {
                    var failed = 0;
                    foreach (var row in rows)
                    {
                        try
                        {
                            await connection.ExecuteAsync("INSERT INTO staging (line) VALUES (@row)", new { row });
                        }
                        catch (Exception)
                        {
                            failed++;
                        }
                    }

                    return failed;
                }

                public async Task ImportIndexedAsync(IReadOnlyList<string> rows)
                {
                    for (var i = 0; i < rows.Count; i++)
                    {
                        try
                        {
                            await connection.ExecuteAsync("INSERT INTO staging (line) VALUES (@row)", new { row = rows[i] });
                        }
                        catch (Exception)
                        {
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task WorkLoopLeavingWhenTheQueueIsEmpty_IsNotARetry_AndQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Collections.Generic;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Worker(IDbConnection connection, Queue<string> jobs)
            {
                public async Task DrainAsync()
                {
                    while (true)
                    {
                        try
                        {
                            if (!jobs.TryDequeue(out var job))
                            {
                                return;
                            }

                            await connection.ExecuteAsync("INSERT INTO results (job) VALUES (@job)", new { job });
                        }
                        catch (Exception)
                        {
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LoopsWhoseCatchRethrowsOrLeaves_AreQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Jobs(IDbConnection connection)
            {
                public async Task RunAsync(Func<Task<bool>> more)
                {
                    while (await more())
                    {
                        try
                        {
                            await connection.ExecuteAsync("INSERT INTO runs (started_at) VALUES (now())");
                            break;
                        }
                        catch (Exception)
                        {
                            throw;
                        }
                    }

                    while (true)
                    {
                        try
                        {
                            await connection.ExecuteAsync("INSERT INTO runs (started_at) VALUES (now())");
                            return;
                        }
                        catch (Exception)
                        {
                            return;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task PollyCallbacksThatAreNotTheRetriedWork_AreQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;
            using Polly;

            public sealed class Orders(IDbConnection connection)
            {
                public Task PlaceAsync(long customer)
                    => Policy
                        .Handle<NpgsqlException>()
                        .WaitAndRetryAsync(3, attempt => TimeSpan.FromSeconds(attempt), onRetryAsync: async (exception, delay) =>
                            await connection.ExecuteAsync("INSERT INTO retry_log (error) VALUES (@message)", new { message = exception.Message }))
                        .ExecuteAsync(() => connection.ExecuteAsync("UPDATE customers SET last_order = now() WHERE id = @customer", new { customer }));
            }
            """);
    }

    [Fact]
    public async Task UpdatesAndUpsertsInRetryLoops_AreQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Profiles(IDbConnection connection)
            {
                public async Task RenameAsync(long id, string name)
                {
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        try
                        {
                            await connection.ExecuteAsync("UPDATE profiles SET name = @name WHERE id = @id", new { id, name });
                            await connection.ExecuteAsync("INSERT INTO profile_names (profile_id, name) VALUES (@id, @name) ON CONFLICT DO NOTHING", new { id, name });
                            return;
                        }
                        catch (TimeoutException)
                        {
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task UniqueViolationHandledInTheRetry_IsQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public sealed class Orders(IDbConnection connection)
            {
                public async Task PlaceAsync(long id)
                {
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        try
                        {
                            await connection.ExecuteAsync("INSERT INTO orders (id) VALUES (@id)", new { id });
                            return;
                        }
                        catch (PostgresException e) when (e.SqlState == "23505")
                        {
                            return;
                        }
                        catch (NpgsqlException)
                        {
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task InsertInALocalFunction_OrAfterTheLoop_IsQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Feeds(IDbConnection connection, HttpClient client)
            {
                public async Task PullAsync(string url)
                {
                    string? body = null;
                    for (var attempt = 0; body is null && attempt < 3; attempt++)
                    {
                        try
                        {
                            body = await client.GetStringAsync(url);
                        }
                        catch (HttpRequestException)
                        {
                        }
                    }

                    await connection.ExecuteAsync("INSERT INTO feed_items (body) VALUES (@body)", new { body });

                    async Task StoreAsync() => await connection.ExecuteAsync("INSERT INTO feed_items (body) VALUES (@body)", new { body });
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        try
                        {
                            await StoreAsync();
                            return;
                        }
                        catch (Exception)
                        {
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task DynamicSqlInARetry_IsQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using Dapper;

            public sealed class Writer(IDbConnection connection)
            {
                public async Task WriteAsync(string table, string value)
                {
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        try
                        {
                            await connection.ExecuteAsync("INSERT INTO " + table + " (value) VALUES (@value)", new { value });
                            return;
                        }
                        catch (Exception)
                        {
                        }
                    }
                }
            }
            """);
    }
}
