using System.Globalization;
using System.Security.Cryptography;

namespace Nuzantara.Concurrency.Postgres.Tests;

/// <summary>
/// The PostgreSQL server the tests run against, named by <c>NUZANTARA_TEST_PG</c> (build/test.sh starts a throwaway
/// cluster and sets it), and the observations tests make of it from an administrative connection of their own.
/// </summary>
internal static class TestDatabase
{
    internal const string Variable = "NUZANTARA_TEST_PG";

    /// <summary>A generous bound that only a hung test reaches; never part of the ordering.</summary>
    internal static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    /// <summary>Short enough to keep the suite quick, for acquisitions that are meant to time out.</summary>
    internal static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    private static readonly Lazy<NpgsqlDataSource> Admin = new(() => NpgsqlDataSource.Create(ConnectionString));

    /// <summary>The connection string; fails the test, loudly, when the variable is missing.</summary>
    internal static string ConnectionString
        => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set. These tests need a real PostgreSQL server: run build/test.sh, or set {Variable} to an " +
                "Npgsql connection string such as 'Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres'.");

    /// <summary>A key space no other test uses, so that tests run in parallel without meeting.</summary>
    internal static int NewKeySpace() => RandomNumberGenerator.GetInt32(1_000_000, int.MaxValue);

    /// <summary>A data source of its own: another process's view of the database, as far as locks go.</summary>
    internal static NpgsqlDataSource CreateDataSource(int? maxPoolSize = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = "nuzantara-postgres-tests" };
        if (maxPoolSize is int size)
        {
            // A small pool turns a leaked connection into a failed open (after Timeout seconds) instead of a silent leak.
            builder.MaxPoolSize = size;
            builder.Timeout = 5;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    internal static PostgresLockOptions Options(int keySpace, string name = "test-lock", bool queueInProcess = true)
        => new() { Name = name, KeySpace = keySpace, QueueInProcess = queueInProcess };

    /// <summary>The server process holding <paramref name="id"/>, or null when nobody holds it.</summary>
    internal static async Task<int?> HolderAsync(AdvisoryLockId id)
    {
        await using var command = Admin.Value.CreateCommand(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2 AND granted");
        AddId(command, id);
        return await command.ExecuteScalarAsync() is int pid ? pid : null;
    }

    /// <summary>
    /// Completes once some session waits at the server for <paramref name="id"/>; fails after <see cref="Hang"/>.
    /// The server polls its lock table (a condition, not a sleep that orders steps).
    /// </summary>
    internal static async Task WaitUntilSomeoneWaitsAsync(AdvisoryLockId id)
    {
        var sql = string.Create(CultureInfo.InvariantCulture, $"""
            DO $$
            BEGIN
                FOR attempt IN 1..3000 LOOP
                    IF EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = {(uint)id.KeySpace}
                               AND objid::bigint = {(uint)id.Hash} AND objsubid = 2 AND NOT granted) THEN
                        RETURN;
                    END IF;
                    PERFORM pg_sleep(0.01);
                END LOOP;
                RAISE EXCEPTION 'nobody waits for the advisory lock';
            END
            $$
            """);
        await using var command = Admin.Value.CreateCommand(sql);
        command.CommandTimeout = 60;
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task TerminateAsync(int pid)
    {
        await using var command = Admin.Value.CreateCommand("SELECT pg_terminate_backend($1, 10000)");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pid });
        Assert.True((bool)(await command.ExecuteScalarAsync())!, "The holder's backend did not exit.");
    }

    private static void AddId(NpgsqlCommand command, AdvisoryLockId id)
    {
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (uint)id.KeySpace });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (uint)id.Hash });
    }
}
