using Microsoft.Coyote.Specifications;
using Xunit.Abstractions;

namespace Nuzantara.Concurrency.Coyote.Tests;

/// <summary>Proves the harness finds what it is meant to find, so that "no bug" elsewhere means something.</summary>
public sealed class HarnessTests(ITestOutputHelper output)
{
    [Fact]
    public void UnprotectedReadAwaitWrite_IsReportedAsLostUpdate()
    {
        var report = Explore.Run(output, 200, async () =>
        {
            var counter = 0;
            async Task Increment()
            {
                var read = counter;
                await Task.Yield();
                counter = read + 1;
            }

            Task[] tasks = [Task.Run(Increment), Task.Run(Increment)];
            await Task.WhenAll(tasks);
            Specification.Assert(counter == 2, "lost update: counter is {0}, expected 2", counter);
        });

        Assert.True(report.NumOfFoundBugs > 0, "Coyote explored the unprotected counter without finding the lost update.");
        Assert.Contains("lost update: counter is 1", report.BugReports.First(), StringComparison.Ordinal);
    }

    [Fact]
    public void LockingDifferentKeys_DoesNotProtect_AndIsReported()
    {
        // The same shape as the keyed-lock scenario, but each task locks its own key: the library's code runs under
        // the scheduler and the lost update must still be found.
        var report = Explore.Run(output, 200, async () =>
        {
            var locks = new KeyedAsyncLock<int>();
            var counter = 0;
            async Task Increment(int key)
            {
                using (await locks.LockAsync(key, Timeout.InfiniteTimeSpan))
                {
                    var read = counter;
                    await Task.Yield();
                    counter = read + 1;
                }
            }

            Task[] tasks = [Task.Run(() => Increment(1)), Task.Run(() => Increment(2))];
            await Task.WhenAll(tasks);
            Specification.Assert(counter == 2, "lost update: counter is {0}, expected 2", counter);
        });

        Assert.True(report.NumOfFoundBugs > 0, "Coyote explored two different keys without finding the lost update.");
        Assert.Contains("lost update", report.BugReports.First(), StringComparison.Ordinal);
    }
}
