using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Nuzantara.Concurrency.Benchmarks;

/// <summary>The two ways to run the benchmarks.</summary>
internal static class BenchmarkConfigs
{
    /// <summary>
    /// A smoke run for a laptop or a CI job: in this process (no generated project to build), one launch, three
    /// warm-up and five measured iterations of 250 ms each. Ratios are indicative; use <see cref="Full"/> for
    /// figures to publish.
    /// </summary>
    /// <returns>The configuration.</returns>
    public static IConfig Quick() => Create(Job.Default
        .WithId("Quick")
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(250)));

    /// <summary>BenchmarkDotNet's default job: separate processes, as many iterations as the statistics ask for.</summary>
    /// <returns>The configuration.</returns>
    public static IConfig Full() => Create(Job.Default.WithId("Full"));

    // Median and minimum next to the mean: on a shared machine they resist bursts of load that the mean absorbs.
    private static ManualConfig Create(Job job) => DefaultConfig.Instance
        .AddJob(job.WithGcServer(false))
        .AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.OperationsPerSecond);
}
