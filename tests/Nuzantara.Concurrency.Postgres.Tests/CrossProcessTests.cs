using System.Diagnostics;
using System.Globalization;
using static Nuzantara.Concurrency.Postgres.Tests.TestDatabase;

namespace Nuzantara.Concurrency.Postgres.Tests;

/// <summary>Exclusion against another operating-system process: a <c>psql</c> child that takes the same advisory lock.</summary>
public sealed class CrossProcessTests
{
    [Fact]
    public async Task LockHeldByAnotherProcess_TimesOut_ThenSucceeds_AfterThatProcessExits()
    {
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(NewKeySpace(), "invoices"));
        var id = locks.GetLockId("invoice-2024-001");
        using var child = StartPsql();
        try
        {
            // The child takes the lock, then says so, then waits for its standard input to close.
            await child.StandardInput.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"SELECT pg_advisory_lock({id.KeySpace}, {id.Hash});\n\\echo locked"));
            await child.StandardInput.FlushAsync();
            await ReadUntilAsync(child.StandardOutput, "locked").Within();
            Assert.NotNull(await HolderAsync(id));

            var exception = await Assert.ThrowsAsync<LockTimeoutException>(() => locks.LockAsync("invoice-2024-001", Short).AsTask()).Within();
            Assert.Equal("invoices", exception.LockName);

            var waiting = locks.LockAsync("invoice-2024-001", Hang).AsTask();
            await WaitUntilSomeoneWaitsAsync(id).Within();
            Gate.Pending(waiting);

            child.StandardInput.Close();
            await child.WaitForExitAsync().Within();
            Assert.Equal(0, child.ExitCode);

            await using var held = await waiting.Within();
            Assert.True(held.IsAcquired);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process StartPsql()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var binaries = Environment.GetEnvironmentVariable("PG_BIN");
        var psql = binaries is { Length: > 0 } && File.Exists(Path.Combine(binaries, "psql")) ? Path.Combine(binaries, "psql") : "psql";
        var start = new ProcessStartInfo(psql, ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["PGHOST"] = builder.Host;
        start.Environment["PGPORT"] = builder.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = builder.Username;
        start.Environment["PGDATABASE"] = builder.Database;
        start.Environment["PGAPPNAME"] = "nuzantara-postgres-tests-child";
        if (builder.Password is { Length: > 0 } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("psql did not start.");
    }

    private static async Task ReadUntilAsync(StreamReader output, string expected)
    {
        while (await output.ReadLineAsync() is { } line)
        {
            if (line.Trim() == expected)
            {
                return;
            }
        }

        throw new InvalidOperationException($"psql ended before printing '{expected}'.");
    }
}
