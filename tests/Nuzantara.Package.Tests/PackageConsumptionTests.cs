using System.Diagnostics;
using System.IO.Compression;

namespace Nuzantara.Package.Tests;

/// <summary>
/// Installs the packed packages the way a team does, from a folder feed into a throwaway project, and builds it.
/// </summary>
public sealed class PackageConsumptionTests : IDisposable
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(5);
    private readonly string _work = Directory.CreateTempSubdirectory("nuzantara-package-").FullName;

    [Fact]
    public async Task PackedAnalyzers_ReportNZ1001_InAConsumingProject_AndBringTheRuntime()
    {
        var feed = Path.Combine(_work, "feed");
        await Run(RepositoryRoot(), "bash", "build/pack.sh", feed);
        AssertPackageLayout(Path.Combine(feed, "Nuzantara.Analyzers.0.1.0.nupkg"));

        var project = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(project);
        await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Consumer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Library</OutputType>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Nuzantara.Analyzers" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Cache.cs"), """
            using System.Threading;
            using System.Threading.Tasks;
            using Nuzantara.Concurrency;

            public sealed class Cache
            {
                private readonly SemaphoreSlim _refresh = new(1, 1);
                private readonly KeyedAsyncLock<string> _users = new();

                public void Refresh()
                {
                    _refresh.Wait();
                    _refresh.Release();
                }

                public async Task SaveAsync(string userId)
                {
                    using (await _users.LockAsync(userId))
                    {
                    }
                }
            }
            """);

        // A private package cache, so a package packed earlier with the same version can never be used instead.
        var output = await Run(project, "dotnet", "build", "-nologo", "-p:NuGetAudit=false", $"-p:RestorePackagesPath={Path.Combine(_work, "packages")}");

        Assert.Contains("warning NZ1001", output, StringComparison.Ordinal);
        Assert.Contains("SemaphoreSlim '_refresh'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("error", output.Replace("0 Error(s)", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static void AssertPackageLayout(string package)
    {
        using var archive = ZipFile.OpenRead(package);
        var entries = archive.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("analyzers/dotnet/cs/Nuzantara.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Nuzantara.Analyzers.CodeFixes.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));

        using var nuspec = new StreamReader(archive.GetEntry("Nuzantara.Analyzers.nuspec")!.Open());
        Assert.Contains("<dependency id=\"Nuzantara.Concurrency\"", nuspec.ReadToEnd(), StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Nuzantara.Analyzers.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Nuzantara.Analyzers.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<string> Run(string directory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The consumer must not inherit the repository's build settings through MSBuild environment variables.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(CommandLimit);
        await process.WaitForExitAsync(limit.Token);
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{output}");
        return output;
    }
}
