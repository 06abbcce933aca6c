using static Nuzantara.Concurrency.Postgres.Tests.TestDatabase;

namespace Nuzantara.Concurrency.Postgres.Tests;

public sealed class TransactionLockTests
{
    [Fact]
    public async Task TransactionLock_IsHeldUntilCommit()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var other = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        await locks.AcquireTransactionLockAsync(transaction, "account-1").Within();

        await AssertRefusedAsync(other, "account-1");
        await transaction.CommitAsync();
        await AssertFreeAsync(other, "account-1");
    }

    [Fact]
    public async Task TransactionLock_IsReleasedAtRollback()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var other = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        Assert.True(await locks.TryAcquireTransactionLockAsync(transaction, "account-2", TimeSpan.Zero).Within());

        await AssertRefusedAsync(other, "account-2");
        await transaction.RollbackAsync();
        await AssertFreeAsync(other, "account-2");
    }

    [Fact]
    public async Task SecondTransaction_Waits_UntilTheFirstCommits()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        await using var connectionA = await dataSource.OpenConnectionAsync();
        await using var connectionB = await dataSource.OpenConnectionAsync();
        await using var transactionA = await connectionA.BeginTransactionAsync();
        await using var transactionB = await connectionB.BeginTransactionAsync();
        await locks.AcquireTransactionLockAsync(transactionA, "account-3").Within();

        var second = locks.AcquireTransactionLockAsync(transactionB, "account-3", Hang);
        await WaitUntilSomeoneWaitsAsync(locks.GetLockId("account-3")).Within();
        Gate.Pending(second);

        await transactionA.CommitAsync();
        await second.Within();
        await transactionB.CommitAsync();
    }

    [Fact]
    public async Task TransactionLockTimeout_Throws_AndLeavesTheTransactionUsable_WithItsLockTimeout()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var holderLocks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace, "ledger"));
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace, "ledger"));
        var holder = await holderLocks.LockAsync("account-4").Within();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "SET LOCAL lock_timeout = '1234ms'");

        var exception = await Assert.ThrowsAsync<LockTimeoutException>(() => locks.AcquireTransactionLockAsync(transaction, "account-4", Short)).Within();
        Assert.Equal("ledger", exception.LockName);
        Assert.False(await locks.TryAcquireTransactionLockAsync(transaction, "account-4", Short).Within());
        Assert.False(await locks.TryAcquireTransactionLockAsync(transaction, "account-4", TimeSpan.Zero).Within());

        Assert.Equal("1234ms", await ScalarAsync(connection, "SHOW lock_timeout"));
        await holder.DisposeAsync();
        Assert.Null(await HolderAsync(locks.GetLockId("account-4")));
        await locks.AcquireTransactionLockAsync(transaction, "account-4").Within();
        Assert.Equal("1234ms", await ScalarAsync(connection, "SHOW lock_timeout"));
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task CancellationWhileWaiting_Throws_AndLeavesNoLockInTheTransaction()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var holderLocks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        var holder = await holderLocks.LockAsync("account-5").Within();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        using var cancellation = new CancellationTokenSource();

        var waiting = locks.AcquireTransactionLockAsync(transaction, "account-5", Hang, cancellation.Token);
        await WaitUntilSomeoneWaitsAsync(locks.GetLockId("account-5")).Within();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting).Within();
        await holder.DisposeAsync();
        Assert.Null(await HolderAsync(locks.GetLockId("account-5")));
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task TransactionLock_AndSessionLock_OfOneKey_ExcludeEachOther()
    {
        var keySpace = NewKeySpace();
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(keySpace));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await locks.AcquireTransactionLockAsync(transaction, "account-6").Within();
            await AssertRefusedAsync(locks, "account-6");
            await transaction.CommitAsync();
        }

        await using var session = await locks.LockAsync("account-6").Within();
        await using var other = await connection.BeginTransactionAsync();
        Assert.False(await locks.TryAcquireTransactionLockAsync(other, "account-6", TimeSpan.Zero).Within());
    }

    [Fact]
    public async Task CompletedTransaction_IsRejected()
    {
        await using var dataSource = CreateDataSource();
        var locks = new PostgresKeyedAsyncLock<string>(dataSource, Options(NewKeySpace()));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await transaction.CommitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => locks.AcquireTransactionLockAsync(transaction, "k")).Within();
    }

    private static async Task AssertRefusedAsync(PostgresKeyedAsyncLock<string> locks, string key)
    {
        var handle = await locks.TryLockAsync(key, TimeSpan.Zero).Within();
        Assert.False(handle.IsAcquired, "The key should be held.");
    }

    private static async Task AssertFreeAsync(PostgresKeyedAsyncLock<string> locks, string key)
    {
        await using var handle = await locks.TryLockAsync(key, TimeSpan.Zero).Within();
        Assert.True(handle.IsAcquired, "The key should be free.");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
