using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Nuzantara.Concurrency.Benchmarks;
using Nuzantara.Concurrency.Benchmarks.Scenarios;

// Usage (from the repository root):
//   dotnet run -c Release --project runtime/Nuzantara.Concurrency.Benchmarks -- --quick        everything, quick job (~2 min)
//   dotnet run -c Release --project runtime/Nuzantara.Concurrency.Benchmarks                   everything, full job
//   dotnet run -c Release --project runtime/Nuzantara.Concurrency.Benchmarks -- --retained     the retained-memory table only
//   dotnet run -c Release --project runtime/Nuzantara.Concurrency.Benchmarks -- --filter '*Contended*'   any BenchmarkDotNet arguments
// The retained-memory scenario runs with "everything" and with --retained; a --filter selects benchmarks only.
const string QuickFlag = "--quick";
const string RetainedFlag = "--retained";

var quick = args.Contains(QuickFlag, StringComparer.Ordinal);
var retainedOnly = args.Contains(RetainedFlag, StringComparer.Ordinal);
var benchmarkArgs = args.Where(static arg => arg is not QuickFlag and not RetainedFlag).ToList();
var everything = benchmarkArgs.Count == 0;

IReadOnlyList<RetainedMemoryResult>? retained = null;
if (everything || retainedOnly)
{
    // First, in a fresh process: nothing else has run or been allocated yet. Synchronous on purpose: Main keeps its
    // own thread, so the benchmarks below never occupy a thread-pool thread.
    retained = RetainedMemoryScenario.RunAsync().GetAwaiter().GetResult();
    RetainedMemoryScenario.Print(retained, Console.Out);
}

IEnumerable<Summary> summaries = [];
if (!retainedOnly)
{
    if (everything)
    {
        benchmarkArgs.AddRange(["--filter", "*"]);
    }

    var config = quick ? BenchmarkConfigs.Quick() : BenchmarkConfigs.Full();
    summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfigs).Assembly).Run([.. benchmarkArgs], config);
}

if (retained is not null && !retainedOnly)
{
    // Again, next to the benchmark tables, which pushed it off screen.
    RetainedMemoryScenario.Print(retained, Console.Out);
}

ResultSummary.Print(summaries, retained, Console.Out);
