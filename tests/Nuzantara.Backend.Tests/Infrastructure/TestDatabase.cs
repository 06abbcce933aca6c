namespace Nuzantara.Backend.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server named by <c>NUZANTARA_TEST_PG</c> (build/test.sh starts a throwaway cluster and sets it).
/// Each test gets a database of its own, so tests run in parallel without meeting.
/// </summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    internal const string Variable = "NUZANTARA_TEST_PG";

    private static readonly Lazy<NpgsqlDataSource> Server = new(() => NpgsqlDataSource.Create(ServerConnectionString));

    private TestDatabase(string name, NpgsqlDataSource dataSource)
    {
        Name = name;
        DataSource = dataSource;
        ConnectionString = dataSource.ConnectionString;
    }

    /// <summary>The connection string to the server's <c>postgres</c> database; fails loudly when unset.</summary>
    internal static string ServerConnectionString
        => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set. The backend tests need a real PostgreSQL server: run build/test.sh, or set {Variable} to an " +
                "Npgsql connection string such as 'Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres'.");

    public string Name { get; }

    /// <summary>The test database, for the backend (the pool is generous: tests start hundreds of requests at once).</summary>
    public string ConnectionString { get; }

    /// <summary>An administrative data source on the test database: the test's own observations and faults.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = "nzb_" + Guid.NewGuid().ToString("N");
        await using (var create = Server.Value.CreateCommand($"CREATE DATABASE {name}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString)
        {
            Database = name,
            MaxPoolSize = 40,
            Timeout = 60,
            CommandTimeout = 60,
            ApplicationName = "nuzantara-backend-tests",
        };
        return new TestDatabase(name, NpgsqlDataSource.Create(builder.ConnectionString));
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<T>> ColumnAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }

    /// <summary>Ends a backend's session the way a failing network or an operator would.</summary>
    public async Task TerminateAsync(int processId)
    {
        await using var command = DataSource.CreateCommand("SELECT pg_terminate_backend($1, 10000)");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = processId });
        Assert.True((bool)(await command.ExecuteScalarAsync())!, "The backend's session did not end.");
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await using var drop = Server.Value.CreateCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}
