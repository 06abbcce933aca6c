using Npgsql;

namespace Nuzantara.Backend.Unfixed.Infrastructure;

/// <summary>Creates the tables on the first request, instead of in a migration step at start-up.</summary>
internal sealed class SchemaInitializer(NpgsqlDataSource dataSource)
{
    private bool _created;

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        // Race (NZ3002): the flag is checked, then set only after the awaited DDL, so every request that arrives
        // before the first one finishes runs the DDL as well; concurrent CREATE TABLE IF NOT EXISTS can still fail.
        if (!_created)
        {
            await using var stream = typeof(SchemaInitializer).Assembly.GetManifestResourceStream("schema.sql")
                ?? throw new InvalidOperationException("schema.sql is not embedded.");
            using var reader = new StreamReader(stream);
            await using var command = dataSource.CreateCommand(await reader.ReadToEndAsync(cancellationToken));
            await command.ExecuteNonQueryAsync(cancellationToken);
            _created = true;
        }
    }
}
