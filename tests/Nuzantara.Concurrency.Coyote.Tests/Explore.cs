using System.Reflection;
using System.Text;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using Xunit.Abstractions;

namespace Nuzantara.Concurrency.Coyote.Tests;

/// <summary>Runs a scenario under Coyote's systematic scheduler and reports what it found.</summary>
/// <remarks>
/// <para>Coyote controls only code rewritten by <c>coyote rewrite</c>: the build does it for this assembly and for its
/// copy of <c>Nuzantara.Concurrency.dll</c> (the net8.0 build, whose partition locks are Monitors; Coyote 1.7 does not
/// know .NET 9's <see cref="Lock"/>). Every test first checks that both assemblies carry Coyote's rewriting
/// signature, because an unrewritten scenario runs uncontrolled and proves nothing.</para>
/// <para>Strict settings: uncontrolled concurrency is a failure, not a reason to fall back to fuzzing or to partial
/// control, so "no bug" means every explored schedule was fully controlled. Besides the task, await and lock points,
/// the scheduler also interleaves at field reads and writes of the rewritten code (memory-access race checking).</para>
/// <para>Timers are out of reach: Coyote 1.7.11 reports <see cref="Timer"/> (and
/// <see cref="ExecutionContext.SuppressFlow"/>) as uncontrolled, so the scenarios wait with
/// <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.Zero"/>, the two timeouts that arm no timer.</para>
/// <para><c>NUZANTARA_COYOTE_ITERATIONS</c> raises the iterations for a deeper local run; <c>NUZANTARA_COYOTE_SEED</c>
/// reruns the exploration printed in a test's output.</para>
/// </remarks>
internal static class Explore
{
    internal static uint Iterations(uint standard)
        => uint.TryParse(Environment.GetEnvironmentVariable("NUZANTARA_COYOTE_ITERATIONS"), out var n) && n > 0 ? n : standard;

    /// <summary>Explores <paramref name="scenario"/> and returns Coyote's report (also written to the test output).</summary>
    internal static TestReport Run(ITestOutputHelper output, uint iterations, Func<Task> scenario)
    {
        RequireRewritten();
        var seed = uint.TryParse(Environment.GetEnvironmentVariable("NUZANTARA_COYOTE_SEED"), out var s) ? s : (uint)Random.Shared.Next();
        var configuration = Configuration.Create()
            .WithTestingIterations(Iterations(iterations))
            .WithRandomGeneratorSeed(seed)
            .WithTelemetryEnabled(false)
            .WithSystematicFuzzingFallbackEnabled(false)
            .WithPartiallyControlledConcurrencyAllowed(false)
            .WithPotentialDeadlocksReportedAsBugs(true)
            .WithMemoryAccessRaceCheckingEnabled(true)
            .WithMaxSchedulingSteps(2000)
            .WithFailureOnMaxStepsBoundEnabled(true);

        using var engine = TestingEngine.Create(configuration, scenario);
        engine.Run();
        var report = engine.TestReport;

        var text = new StringBuilder();
        text.Append("seed: ").Append(seed).Append(" (NUZANTARA_COYOTE_SEED=").Append(seed).AppendLine(" reruns this exploration)");
        text.AppendLine(engine.GetReport());
        foreach (var bug in report.BugReports)
        {
            text.Append("bug: ").AppendLine(bug);
        }

        foreach (var invocation in report.UncontrolledInvocations)
        {
            text.Append("uncontrolled: ").AppendLine(invocation);
        }

        foreach (var error in report.InternalErrors)
        {
            text.Append("internal error: ").AppendLine(error);
        }

        if (report.NumOfFoundBugs > 0)
        {
            text.AppendLine("readable trace of the first buggy schedule:").AppendLine(engine.ReadableTrace);
            text.AppendLine("reproducible trace (replay with Configuration.WithReproducibleTrace):").AppendLine(engine.ReproducibleTrace);
        }

        output.WriteLine(text.ToString());
        return report;
    }

    /// <summary>Asserts that every explored schedule passed, with no uncontrolled concurrency and no internal error.</summary>
    internal static void NoBug(ITestOutputHelper output, uint iterations, Func<Task> scenario)
    {
        var report = Run(output, iterations, scenario);
        Assert.True(
            report.NumOfFoundBugs == 0,
            $"Coyote found a bug: {string.Join(Environment.NewLine, report.BugReports)} (schedule in the test output)");
        Assert.Empty(report.UncontrolledInvocations);
        Assert.Empty(report.InternalErrors);
        Assert.Equal((int)Iterations(iterations), report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths);
    }

    private static void RequireRewritten()
    {
        foreach (var assembly in new[] { typeof(Explore).Assembly, typeof(KeyedAsyncLock<>).Assembly })
        {
            Assert.True(
                assembly.GetCustomAttributes().Any(a => a.GetType().FullName == "Microsoft.Coyote.Rewriting.RewritingSignatureAttribute"),
                $"{assembly.GetName().Name} is not rewritten for Coyote; build this project with 'dotnet build' (its CoyoteRewrite target does it).");
        }
    }
}
