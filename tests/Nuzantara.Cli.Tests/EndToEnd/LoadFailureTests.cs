using System.Text.Json;

namespace Nuzantara.Cli.Tests.EndToEnd;

[Collection(EndToEndGroup.Name)]
public sealed class LoadFailureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nuzantara-cli-").FullName;

    [Fact]
    public async Task Check_FolderWithABrokenProject_ReportsTheFailure_PrintsTheOtherFindings_AndFails()
    {
        // A folder without a solution: every project below it. One of them is not even XML.
        Write("Worker/Worker.csproj", SampleSolution.Project(string.Empty));
        Write("Worker/Poller.cs", SampleSolution.Poller);
        Write("Broken/Broken.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"> this is not a project");

        var run = await CliRunner.RunAsync("check", _root, "--format", "json", "--rule", "NZ1001");

        using var json = JsonDocument.Parse(run.Output);
        var finding = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("Worker/Poller.cs", finding.GetProperty("path").GetString());
        Assert.Equal("warning", finding.GetProperty("severity").GetString());
        var errors = json.RootElement.GetProperty("problems").EnumerateArray()
            .Where(p => p.GetProperty("severity").GetString() == "error")
            .Select(p => p.GetProperty("message").GetString()!)
            .ToList();
        Assert.Contains(errors, e => e.Contains("Broken.csproj", StringComparison.Ordinal));
        Assert.Contains("error: ", run.Error, StringComparison.Ordinal);

        // Only a warning was found, but results are partial: the default gate (--fail-on error) does not pass.
        Assert.Equal(1, run.ExitCode);
    }

    [Fact]
    public async Task Check_MissingPath_IsAUsageError()
    {
        var missing = Path.Combine(_root, "nowhere", "App.sln");

        var run = await CliRunner.RunAsync("check", missing);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error: no such file or folder: {missing}", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public async Task Fix_PathThatIsNotAProject_IsAUsageError()
    {
        Write("Notes.txt", "not a project");

        var run = await CliRunner.RunAsync("fix", Path.Combine(_root, "Notes.txt"), "--rule", "NZ1001");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not a solution or C# project", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_EmptyFolder_IsAUsageError()
    {
        var run = await CliRunner.RunAsync("check", _root);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no solution or C# project in", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
