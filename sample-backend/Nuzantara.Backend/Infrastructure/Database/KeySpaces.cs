namespace Nuzantara.Backend.Infrastructure.Database;

/// <summary>
/// The advisory-lock key spaces of this service's <c>PostgresKeyedAsyncLock</c>s. Constant across versions: two
/// versions that disagreed during a rolling deployment would not exclude each other.
/// </summary>
internal static class KeySpaces
{
    internal const int MemoryWriters = 0x4E5A_0001;
    internal const int CollectionIngest = 0x4E5A_0003;
}

/// <summary>Which database failures are worth retrying: the connection broke, or the server asked us to try again.</summary>
internal static class DatabaseErrors
{
    public static bool IsRetryable(Exception exception) => exception switch
    {
        Npgsql.PostgresException postgres => postgres.IsTransient || postgres.SqlState is
            "57P01" /* admin_shutdown: pg_terminate_backend */ or "57P02" /* crash_shutdown */ or "57P03" /* cannot_connect_now */ or
            "40001" /* serialization_failure */ or "40P01" /* deadlock_detected */ or "55P03" /* lock_not_available */,
        Npgsql.NpgsqlException => true, // I/O: the connection broke; whether the statement ran is unknown
        TimeoutException => true,
        _ => false,
    };
}
