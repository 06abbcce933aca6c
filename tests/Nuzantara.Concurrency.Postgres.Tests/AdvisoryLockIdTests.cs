namespace Nuzantara.Concurrency.Postgres.Tests;

/// <summary>The key-to-lock mapping; no database needed, but a data source object is (it is never opened).</summary>
public sealed class AdvisoryLockIdTests
{
    private static readonly NpgsqlDataSource Unopened = NpgsqlDataSource.Create("Host=unused.invalid;Username=none");

    [Fact]
    public void Mapping_IsPinned_BecauseProcessesOfTwoVersionsMustAgree()
    {
        // First four bytes of SHA-256("user-42") = 6d894aa3, big-endian.
        Assert.Equal(new AdvisoryLockId(7, 0x6d894aa3), AdvisoryLockId.FromString(7, "user-42"));
        Assert.Equal(new AdvisoryLockId(7, 0x6d894aa3), new PostgresKeyedAsyncLock<string>(Unopened, new() { KeySpace = 7 }).GetLockId("user-42"));
    }

    [Fact]
    public void Keys_MapThroughTheirInvariantStringForm()
    {
        var numbers = new PostgresKeyedAsyncLock<double>(Unopened, new() { KeySpace = 3 });
        var guids = new PostgresKeyedAsyncLock<Guid>(Unopened, new() { KeySpace = 3 });
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

        Assert.Equal(AdvisoryLockId.FromString(3, "1.5"), numbers.GetLockId(1.5));
        Assert.Equal(AdvisoryLockId.FromString(3, "0f8fad5b-d9cb-469f-a165-70867728950e"), guids.GetLockId(guid));
        Assert.NotEqual(AdvisoryLockId.FromString(3, "user-42"), AdvisoryLockId.FromString(4, "user-42"));
        Assert.NotEqual(AdvisoryLockId.FromString(3, "user-42"), AdvisoryLockId.FromString(3, "user-43"));
    }

    [Fact]
    public void LongKeys_AreHashedWhole()
    {
        var prefix = new string('x', 1000);

        Assert.NotEqual(AdvisoryLockId.FromString(1, prefix + "a"), AdvisoryLockId.FromString(1, prefix + "b"));
        Assert.Equal("(1, 2)", new AdvisoryLockId(1, 2).ToString());
    }
}
