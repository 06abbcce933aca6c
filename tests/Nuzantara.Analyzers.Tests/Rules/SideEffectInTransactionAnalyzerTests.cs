using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Nuzantara.Analyzers.Tests.Verifiers;
using VerifyCS = Nuzantara.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Nuzantara.Analyzers.Rules.SideEffectInTransactionAnalyzer>;

namespace Nuzantara.Analyzers.Tests.Rules;

public sealed class SideEffectInTransactionAnalyzerTests
{
    /// <summary>Messaging, notification and HTTP types as services declare them.</summary>
    private const string Services = """

        public sealed record OrderPlaced(long OrderId);

        public interface IEventBus
        {
            System.Threading.Tasks.Task PublishAsync<T>(T message, System.Threading.CancellationToken cancellationToken = default);
        }

        public interface IMessageProducer
        {
            System.Threading.Tasks.Task ProduceAsync(string topic, string payload);
        }

        public interface IOutboxWriter
        {
            System.Threading.Tasks.Task PublishAsync<T>(T message);
        }

        public interface IMediatorLike
        {
            System.Threading.Tasks.Task Send(object request);
        }
        """;

    /// <summary>The diagnostic on the call marked <c>{|#0:…|}</c>, pointing also at the transaction begun at <c>{|#1:…|}</c>.</summary>
    private static DiagnosticResult Nz4001(int effect = 0, int begin = 1)
        => new DiagnosticResult("NZ4001", DiagnosticSeverity.Warning).WithLocation(effect).WithLocation(begin);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => new VerifyCS.Test { TestCode = source + Services }.ExpectAsync(expected);

    // ---- Reports -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task HttpPostBeforeCommit_Reports_NamingTheCallAndTheTransaction()
    {
        await VerifyAsync(
            """
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Payments(NpgsqlDataSource dataSource, HttpClient gateway)
            {
                public async Task CaptureAsync(long orderId, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await {|#1:connection.BeginTransactionAsync(cancellationToken)|};
                    await using var update = new NpgsqlCommand("UPDATE orders SET status = 'paid' WHERE id = @id", connection, tx);
                    await update.ExecuteNonQueryAsync(cancellationToken);
                    using var response = await {|#0:gateway.PostAsync("/captures", new StringContent(orderId.ToString()), cancellationToken)|};
                    await tx.CommitAsync(cancellationToken);
                }
            }
            """,
            VerifyCS.Diagnostic("NZ4001").WithLocation(0).WithLocation(1).WithArguments(
                "gateway.PostAsync",
                "sends an HTTP request",
                "connection.BeginTransactionAsync(cancellationToken)",
                "the request has been sent all the same"));
    }

    [Fact]
    public async Task PublishInsideEntityFrameworkTransaction_Reports()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class OrderService(DbContext db, IEventBus bus)
            {
                public async Task PlaceAsync(long orderId, CancellationToken cancellationToken)
                {
                    await using var tx = await {|#1:db.Database.BeginTransactionAsync(cancellationToken)|};
                    await db.Database.ExecuteSqlRawAsync("INSERT INTO orders (id) VALUES ({0})", [orderId], cancellationToken);
                    await {|#0:bus.PublishAsync(new OrderPlaced(orderId), cancellationToken)|};
                    await db.SaveChangesAsync(cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                }
            }
            """,
            Nz4001());
    }

    [Fact]
    public async Task CacheWritesBeforeCommit_Report()
    {
        await VerifyAsync("""
            using System;
            using System.Data;
            using System.Threading.Tasks;
            using System.Transactions;
            using Dapper;
            using Microsoft.Extensions.Caching.Distributed;
            using Microsoft.Extensions.Caching.Memory;

            public sealed class Conversations(IDbConnection connection, IDistributedCache cache, IMemoryCache local)
            {
                public async Task SaveAsync(string user, string session, string body)
                {
                    using var tx = {|#1:connection.BeginTransaction()|};
                    await connection.ExecuteAsync("UPDATE conversations SET body = @body WHERE user_id = @user AND session_id = @session", new { user, session, body }, tx);
                    await {|#0:cache.SetStringAsync($"{user}:{session}", body)|};
                    tx.Commit();
                }

                public void Forget(string user)
                {
                    using var scope = {|#3:new TransactionScope()|};
                    connection.Execute("DELETE FROM conversations WHERE user_id = @user", new { user });
                    {|#2:local.Remove(user)|};
                    {|#4:local.Set("last-forgotten", user, TimeSpan.FromMinutes(5))|};
                    scope.Complete();
                }
            }
            """,
            Nz4001(),
            Nz4001(2, 3),
            Nz4001(4, 3));
    }

    [Fact]
    public async Task FireAndForgetWork_BeforeCommit_Reports()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Imports(NpgsqlConnection connection)
            {
                public async Task ImportAsync(long batch)
                {
                    await using var tx = await {|#1:connection.BeginTransactionAsync()|};
                    await using var insert = new NpgsqlCommand("INSERT INTO batches (id) VALUES (@id)", connection, tx);
                    await insert.ExecuteNonQueryAsync();
                    {|#0:Task.Run(() => IndexAsync(batch))|};
                    _ = {|#2:NotifyAsync(batch)|};
                    await tx.CommitAsync();
                }

                private static Task IndexAsync(long batch) => Task.CompletedTask;

                private static Task NotifyAsync(long batch) => Task.CompletedTask;
            }
            """,
            Nz4001(),
            Nz4001(2, 1));
    }

    [Fact]
    public async Task SqlLevelBeginAndCommit_Reports()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Transfers(NpgsqlConnection connection, IMessageProducer producer)
            {
                public async Task MoveAsync(long from, long to)
                {
                    await using var begin = {|#1:new NpgsqlCommand("BEGIN ISOLATION LEVEL SERIALIZABLE", connection)|};
                    await begin.ExecuteNonQueryAsync();
                    await using var move = new NpgsqlCommand("UPDATE accounts SET owner = @to WHERE owner = @from", connection);
                    await move.ExecuteNonQueryAsync();
                    await {|#0:producer.ProduceAsync("transfers", "moved")|};
                    await using var commit = new NpgsqlCommand("COMMIT", connection);
                    await commit.ExecuteNonQueryAsync();
                }
            }
            """,
            Nz4001());
    }

    [Fact]
    public async Task HttpSendAndJsonExtensions_Report_ButGetsAreReads()
    {
        await VerifyAsync("""
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Webhooks(NpgsqlConnection connection, HttpClient client)
            {
                public async Task DeliverAsync(long id)
                {
                    await using var tx = await {|#1:connection.BeginTransactionAsync()|};
                    var price = await client.GetFromJsonAsync<decimal>("/price");
                    var request = new HttpRequestMessage(HttpMethod.Post, "/hooks") { Content = JsonContent.Create(new { id, price }) };
                    using var sent = await {|#0:client.SendAsync(request)|};
                    using var lookup = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/status"));
                    using var posted = await {|#2:client.PostAsJsonAsync("/audit", new { id })|};
                    await tx.CommitAsync();
                }
            }
            """,
            Nz4001(),
            Nz4001(2, 1));
    }

    [Fact]
    public async Task EffectInsideALambdaRunInTheTransaction_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Sync(NpgsqlConnection connection, IEventBus bus)
            {
                public async Task RunAsync(long id)
                {
                    await using var tx = await {|#1:connection.BeginTransactionAsync()|};
                    await WithLoggingAsync(async () => await {|#0:bus.PublishAsync(id)|});
                    await tx.CommitAsync();
                }

                private static Task WithLoggingAsync(Func<Task> action) => action();
            }
            """,
            Nz4001());
    }

    [Fact]
    public async Task EffectInACatchBeforeTheRollback_Reports()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Orders(NpgsqlConnection connection, IEventBus bus)
            {
                public async Task PlaceAsync(long id)
                {
                    await using var tx = await {|#1:connection.BeginTransactionAsync()|};
                    try
                    {
                        await using var insert = new NpgsqlCommand("INSERT INTO orders (id) VALUES (@id)", connection, tx);
                        await insert.ExecuteNonQueryAsync();
                        await tx.CommitAsync();
                    }
                    catch (Exception)
                    {
                        await {|#0:bus.PublishAsync("order-failed")|};
                        await tx.RollbackAsync();
                        throw;
                    }
                }
            }
            """,
            Nz4001());
    }

    // ---- Stays quiet ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task EffectsAfterCommit_AreQuiet()
    {
        await VerifyAsync("""
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Caching.Distributed;
            using Npgsql;

            public sealed class Conversations(NpgsqlDataSource dataSource, IDistributedCache cache, HttpClient client, IEventBus bus)
            {
                public async Task SaveAsync(string key, string body, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
                    {
                        await using var upsert = new NpgsqlCommand("INSERT INTO conversations (key, body) VALUES (@key, @body) ON CONFLICT (key) DO UPDATE SET body = EXCLUDED.body", connection, tx);
                        await upsert.ExecuteNonQueryAsync(cancellationToken);
                        await tx.CommitAsync(cancellationToken);
                        await cache.SetStringAsync(key, body, cancellationToken);
                    }

                    await bus.PublishAsync(key, cancellationToken);
                    using var response = await client.PostAsync("/indexed", null, cancellationToken);
                }
            }
            """);
    }

    [Fact]
    public async Task OutboxInsertInTheTransaction_ThenPublishAfterCommit_IsQuiet()
    {
        await VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Promotions(NpgsqlDataSource dataSource, IEventBus bus, IOutboxWriter outbox)
            {
                public async Task PromoteAsync(long factId, CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await using var promote = new NpgsqlCommand("UPDATE facts SET promoted = true WHERE id = @id AND NOT promoted", connection, tx);
                    await promote.ExecuteNonQueryAsync(cancellationToken);
                    await using var enqueue = new NpgsqlCommand("INSERT INTO outbox (topic, payload) VALUES ('fact.promoted', @payload)", connection, tx);
                    await enqueue.ExecuteNonQueryAsync(cancellationToken);
                    await outbox.PublishAsync(factId);
                    await tx.CommitAsync(cancellationToken);
                    await bus.PublishAsync(factId, cancellationToken);
                }
            }
            """);
    }

    [Fact]
    public async Task ReadsAwaitedWorkAndOrdinaryCalls_AreQuiet()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Caching.Memory;
            using Npgsql;

            public sealed class Pricing(NpgsqlConnection connection, HttpClient client, IMemoryCache cache, IMediatorLike mediator)
            {
                private readonly List<string> _log = new();

                public async Task RepriceAsync(long id)
                {
                    await using var tx = await connection.BeginTransactionAsync();
                    var quote = await client.GetStringAsync("/quote");
                    var cached = cache.TryGetValue(id, out string? value);
                    var computed = await Task.Run(() => quote.Length);
                    _log.Add(quote);
                    await mediator.Send(quote);
                    await using var update = new NpgsqlCommand("UPDATE prices SET value = @v WHERE id = @id", connection, tx);
                    await update.ExecuteNonQueryAsync();
                    await tx.CommitAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task NoTransaction_IsQuiet()
    {
        await VerifyAsync("""
            using System.Net.Http;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Signups(NpgsqlDataSource dataSource, HttpClient crm, IEventBus bus)
            {
                public async Task RegisterAsync(string email)
                {
                    await using var insert = dataSource.CreateCommand("INSERT INTO users (email) VALUES ($1) ON CONFLICT DO NOTHING");
                    await insert.ExecuteNonQueryAsync();
                    using var response = await crm.PostAsync("/contacts", new StringContent(email));
                    await bus.PublishAsync(email);
                }
            }
            """);
    }

    [Fact]
    public async Task FinallyAfterCommit_EarlyReturnAfterCommit_AndAfterRollback_AreQuiet()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Caching.Distributed;
            using Npgsql;

            public sealed class Sessions(NpgsqlConnection connection, IDistributedCache cache, IEventBus bus)
            {
                public async Task EndAsync(string id, bool notify)
                {
                    await using var tx = await connection.BeginTransactionAsync();
                    try
                    {
                        await using var delete = new NpgsqlCommand("DELETE FROM sessions WHERE id = @id", connection, tx);
                        await delete.ExecuteNonQueryAsync();
                        if (!notify)
                        {
                            await tx.CommitAsync();
                            await bus.PublishAsync(id);
                            return;
                        }

                        await tx.CommitAsync();
                    }
                    catch (Exception)
                    {
                        await tx.RollbackAsync();
                        await bus.PublishAsync("session-end-failed");
                        throw;
                    }
                    finally
                    {
                        await cache.RemoveAsync(id);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task LocalFunctionsRunWhereTheyAreCalled_AndSuppressedScopes_AreQuiet()
    {
        await VerifyAsync("""
            using System.Data;
            using System.Threading.Tasks;
            using System.Transactions;
            using Dapper;

            public sealed class Archive(IDbConnection connection, IEventBus bus)
            {
                public async Task ArchiveAsync(long id)
                {
                    using (var tx = connection.BeginTransaction())
                    {
                        await connection.ExecuteAsync("UPDATE items SET archived = true WHERE id = @id", new { id }, tx);
                        tx.Commit();
                    }

                    await AnnounceAsync();

                    async Task AnnounceAsync() => await bus.PublishAsync(id);
                }

                public async Task AuditAsync(long id)
                {
                    using var scope = new TransactionScope(TransactionScopeOption.Suppress, TransactionScopeAsyncFlowOption.Enabled);
                    await bus.PublishAsync(id);
                }
            }
            """);
    }

    [Fact]
    public async Task OutboxRelay_PublishingTheRowsItLocked_IsQuiet()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class OutboxRelay(NpgsqlDataSource dataSource, IEventBus bus)
            {
                public async Task RelayAsync(CancellationToken cancellationToken)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                    await using var pending = new NpgsqlCommand("SELECT id, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED", connection, tx);
                    var sent = new List<long>();
                    await using (var reader = await pending.ExecuteReaderAsync(cancellationToken))
                    {
                        while (await reader.ReadAsync(cancellationToken))
                        {
                            await bus.PublishAsync(reader.GetString(1), cancellationToken);
                            sent.Add(reader.GetInt64(0));
                        }
                    }

                    await using var mark = new NpgsqlCommand("UPDATE outbox SET sent_at = now() WHERE id = ANY(@ids)", connection, tx);
                    mark.Parameters.AddWithValue("ids", sent.ToArray());
                    await mark.ExecuteNonQueryAsync(cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                }
            }
            """);
    }

    [Fact]
    public async Task EffectInAnotherMethodCalledAfterCommit_IsQuiet()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Invoices(NpgsqlConnection connection, IEventBus bus)
            {
                public async Task IssueAsync(long id)
                {
                    await using (var tx = await connection.BeginTransactionAsync())
                    {
                        await using var insert = new NpgsqlCommand("INSERT INTO invoices (id) VALUES (@id) ON CONFLICT DO NOTHING", connection, tx);
                        await insert.ExecuteNonQueryAsync();
                        await tx.CommitAsync();
                    }

                    await AnnounceAsync(id);
                }

                private Task AnnounceAsync(long id) => bus.PublishAsync(id);
            }
            """);
    }

    [Fact]
    public async Task TransactionHandedIn_WhoseCommitIsNotVisible_IsQuiet()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Steps(IEventBus bus)
            {
                // The caller commits; whether this runs before or after that is the caller's business.
                public async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long id)
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO steps (id) VALUES (@id) ON CONFLICT DO NOTHING", connection, tx);
                    await insert.ExecuteNonQueryAsync();
                    await bus.PublishAsync(id);
                }
            }
            """);
    }
}
