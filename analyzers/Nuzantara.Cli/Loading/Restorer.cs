using System.Diagnostics;
using Nuzantara.Cli.CommandLine;

namespace Nuzantara.Cli.Loading;

/// <summary>Runs <c>dotnet restore</c> on the target when one of its projects has never been restored, or when asked to.</summary>
internal static class Restorer
{
    /// <summary>Restores as <paramref name="mode"/> says; a failure becomes a problem, and loading goes on.</summary>
    public static async Task<IReadOnlyList<Problem>> RestoreAsync(Target target, RestoreMode mode, IReadOnlyDictionary<string, string> properties, Progress progress, CancellationToken cancellationToken)
    {
        if (mode == RestoreMode.Never || (mode == RestoreMode.Auto && !target.ProjectFiles.Any(NeedsRestore)))
        {
            return [];
        }

        // A solution restores in one go; a folder without one, project by project.
        IReadOnlyList<string> inputs = target.Kind == TargetKind.Folder ? target.ProjectFiles : [target.Path];
        var problems = new List<Problem>();
        foreach (var input in inputs)
        {
            progress.Report($"Restoring {Path.GetFileName(input)}...");
            var (exitCode, output) = await RunAsync(input, properties, cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                var errors = output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Distinct().Take(5);
                problems.Add(new Problem(ProblemSeverity.Error, $"dotnet restore {Path.GetFileName(input)} failed (exit code {exitCode}): {string.Join(" | ", errors)}"));
            }
        }

        return problems;
    }

    /// <summary>
    /// Whether a project has never been restored: no <c>project.assets.json</c> where the SDK puts it, <c>obj/</c>
    /// beside the project or <c>artifacts/obj/&lt;name&gt;/</c> beside a <c>Directory.Build.props</c> above it
    /// (<c>UseArtifactsOutput</c>). Its age says nothing: a restore that changes nothing leaves the file as it was.
    /// </summary>
    public static bool NeedsRestore(string projectFile) => !AssetFileCandidates(projectFile).Any(File.Exists);

    private static IEnumerable<string> AssetFileCandidates(string projectFile)
    {
        var folder = Path.GetDirectoryName(projectFile)!;
        yield return Path.Combine(folder, "obj", "project.assets.json");

        var name = Path.GetFileNameWithoutExtension(projectFile);
        for (var current = new DirectoryInfo(folder); current is not null; current = current.Parent)
        {
            if (File.Exists(Path.Combine(current.FullName, "Directory.Build.props")))
            {
                yield return Path.Combine(current.FullName, "artifacts", "obj", name, "project.assets.json");
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string input, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(input)!,
        };
        start.ArgumentList.Add("restore");
        start.ArgumentList.Add(input);
        start.ArgumentList.Add("--nologo");
        foreach (var (name, value) in properties)
        {
            start.ArgumentList.Add($"-p:{name}={value}");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }
}

/// <summary>The <c>dotnet</c> executable: the one running this tool when it is the host, else the one on the PATH.</summary>
internal static class DotnetHost
{
    /// <summary>The executable's path or name.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
