using System.Diagnostics;
using System.Text.Json;

namespace Nuzantara.Cli.Tests.EndToEnd;

/// <summary>Fixes its own copy of the sample, since fixing rewrites it.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class FixTests : IDisposable
{
    private readonly SampleSolution _sample = new();

    [Fact]
    public async Task Fix_DryRunPrintsAUnifiedDiff_ThenFixRewritesTheFiles_AndASecondCheckIsClean()
    {
        var before = Snapshot();

        // --dry-run: a diff that git can apply, and no file touched.
        var dryRun = await CliRunner.RunAsync("fix", _sample.SolutionPath, "--rule", "NZ1001", "--dry-run");

        Assert.Equal(0, dryRun.ExitCode);
        Assert.Contains("Restoring Sample.sln", dryRun.Error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
        var diff = dryRun.Output.ReplaceLineEndings("\n");
        Assert.Contains("--- a/src/Demo/Cache.cs\n+++ b/src/Demo/Cache.cs\n@@ -1,", diff, StringComparison.Ordinal);
        Assert.Contains("--- a/src/Demo/Critical.cs\n+++ b/src/Demo/Critical.cs\n", diff, StringComparison.Ordinal);
        Assert.Contains("+using Nuzantara.Concurrency;\n", diff, StringComparison.Ordinal);
        Assert.Contains("-        _gate.Wait();\n", diff, StringComparison.Ordinal);
        Assert.Contains("LockTimeoutException", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("Ignored.cs", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("Poller.cs", diff, StringComparison.Ordinal);
        Assert.Contains("NZ1001: would fix 3 of 4 findings", dryRun.Error, StringComparison.Ordinal);
        Assert.Contains("dry run: nothing written", dryRun.Error, StringComparison.Ordinal);
        await AssertGitAppliesAsync(dryRun.Output);

        // fix: the files are rewritten onto the runtime; Worker has no runtime, so its finding is left for a person.
        var fix = await CliRunner.RunAsync("fix", _sample.SolutionPath, "--rule", "NZ1001");

        Assert.Equal(0, fix.ExitCode);
        Assert.DoesNotContain("Restoring", fix.Error, StringComparison.Ordinal);
        Assert.Contains("NZ1001: fixed 3 of 4 findings", fix.Output, StringComparison.Ordinal);
        Assert.Contains("left for a person (1)", fix.Output, StringComparison.Ordinal);
        Assert.Contains("src/Worker/Poller.cs:", fix.Output, StringComparison.Ordinal);
        Assert.Contains("Changed 2 files:", fix.Output, StringComparison.Ordinal);
        Assert.Contains("  src/Demo/Cache.cs  (+", fix.Output, StringComparison.Ordinal);
        var cache = _sample.Read("src/Demo/Cache.cs");
        Assert.Contains("using Nuzantara.Concurrency;", cache, StringComparison.Ordinal);
        Assert.Contains("using (await _gate.AcquireAsync(TimeSpan.FromSeconds(5)))", cache, StringComparison.Ordinal);
        Assert.Contains("throw new LockTimeoutException(", cache, StringComparison.Ordinal);
        Assert.Contains("await _gate.WaitAsync(cancellationToken);", cache, StringComparison.Ordinal);
        Assert.Contains("throw new LockTimeoutException(", _sample.Read("src/Demo/Critical.cs"), StringComparison.Ordinal);
        Assert.Equal(SampleSolution.Ignored, _sample.Read("src/Demo/Ignored.cs"));
        Assert.Equal(SampleSolution.Poller, _sample.Read("src/Worker/Poller.cs"));

        // The dry run's diff is exactly what the fix wrote.
        Assert.Equal(await ApplyWithGitAsync(before, dryRun.Output), Snapshot());

        // A second check of the fixed project is clean, and the fixed code compiles (a compiler error would be a problem).
        var check = await CliRunner.RunAsync("check", _sample.DemoProject, "--rule", "NZ1001", "--format", "json", "--fail-on", "warning");

        Assert.Equal(0, check.ExitCode);
        using var json = JsonDocument.Parse(check.Output);
        Assert.Empty(json.RootElement.GetProperty("findings").EnumerateArray());
        Assert.DoesNotContain(json.RootElement.GetProperty("problems").EnumerateArray(), p => p.GetProperty("severity").GetString() == "error");
    }

    public void Dispose() => _sample.Dispose();

    private Dictionary<string, string> Snapshot()
        => Directory.EnumerateFiles(_sample.Root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(_sample.Root, f), File.ReadAllText);

    /// <summary>Checks that git accepts the patch for the sample as it is now.</summary>
    private async Task AssertGitAppliesAsync(string patch)
    {
        var (exitCode, output) = await GitAsync(_sample.Root, patch, "apply", "--check", "-");
        Assert.True(exitCode == 0, "git apply --check failed: " + output);
    }

    /// <summary>What the sources become when git applies the patch to a copy of them.</summary>
    private static async Task<Dictionary<string, string>> ApplyWithGitAsync(Dictionary<string, string> sources, string patch)
    {
        var copy = Directory.CreateTempSubdirectory("nuzantara-patch-").FullName;
        try
        {
            foreach (var (relative, text) in sources)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, relative))!);
                File.WriteAllText(Path.Combine(copy, relative), text);
            }

            var (exitCode, output) = await GitAsync(copy, patch, "apply", "-");
            Assert.True(exitCode == 0, "git apply failed: " + output);
            return Directory.EnumerateFiles(copy, "*.cs", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(copy, f), File.ReadAllText);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> GitAsync(string directory, string input, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
