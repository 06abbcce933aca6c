using System.Diagnostics;
using System.Text.Json;

namespace Nuzantara.Cli.Tests.EndToEnd;

/// <summary>The tool as a team gets it: packed, installed with <c>dotnet tool install</c>, run as <c>nuzantara</c>.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class ToolProcessTests(SampleSolution sample) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly string _work = Directory.CreateTempSubdirectory("nuzantara-tool-").FullName;

    [Fact]
    public async Task PackedTool_InstalledFromAFolderFeed_ChecksTheSample()
    {
        var feed = Path.Combine(_work, "feed");
        var tools = Path.Combine(_work, "tools");
        var project = Path.Combine(Repository.Root, "analyzers", "Nuzantara.Cli", "Nuzantara.Cli.csproj");
        await RunAsync(new Command("dotnet", Repository.Root, ["pack", project, "-c", Repository.Configuration, "--no-build", "--nologo", "-o", feed]));

        // Only the folder feed, and a private package folder, so that a package packed earlier with the same version is
        // never installed instead.
        var config = Path.Combine(_work, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await RunAsync(new Command("dotnet", _work, ["tool", "install", "Nuzantara.Cli", "--tool-path", tools, "--configfile", config, "--version", "0.1.0"])
        {
            PackagesFolder = Path.Combine(_work, "packages"),
        });
        var nuzantara = Path.Combine(tools, OperatingSystem.IsWindows() ? "nuzantara.exe" : "nuzantara");

        var version = await RunAsync(new Command(nuzantara, _work, ["--version"]));
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output);

        var check = await RunAsync(new Command(nuzantara, sample.Root, ["check", "Sample.sln", "--format", "json", "--rule", "NZ1001"]) { ExpectedExitCode = 1 });

        using var json = JsonDocument.Parse(check.Output);
        Assert.Equal(4, json.RootElement.GetProperty("findings").GetArrayLength());
        Assert.Contains("Analyzing Demo", check.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task<CliRun> RunAsync(Command command)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            WorkingDirectory = command.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command.Arguments)
        {
            start.ArgumentList.Add(arg);
        }

        // The tool finds the SDK as a user's shell would: the in-process runs' MSBuild locator variables must not steer it.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (command.PackagesFolder is not null)
        {
            start.Environment["NUGET_PACKAGES"] = command.PackagesFolder;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Limit);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var run = new CliRun(process.ExitCode, await output, await error);
        Assert.True(
            run.ExitCode == command.ExpectedExitCode,
            $"{command.FileName} {string.Join(' ', command.Arguments)} exited with {run.ExitCode}:\n{run.Output}\n{run.Error}");
        return run;
    }

    private sealed record Command(string FileName, string Directory, string[] Arguments)
    {
        public int ExpectedExitCode { get; init; }

        public string? PackagesFolder { get; init; }
    }
}
