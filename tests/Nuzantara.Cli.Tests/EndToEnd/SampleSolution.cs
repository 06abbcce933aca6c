namespace Nuzantara.Cli.Tests.EndToEnd;

/// <summary>
/// A small solution in a temporary folder: project Demo references the runtime (so NZ1001's fix applies) and holds
/// warnings, an error and a finding turned off by <c>.editorconfig</c>; project Worker holds one warning and no runtime
/// (so its finding cannot be fixed). Only NZ1001 fires: every lock is released in a <c>finally</c>, so rules added
/// later keep quiet on it.
/// </summary>
public sealed class SampleSolution : IDisposable
{
    public const string Cache = """
        using System.Threading;
        using System.Threading.Tasks;

        namespace Demo;

        public sealed class Cache
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            private int _version;

            public void Refresh()
            {
                _gate.Wait();
                try
                {
                    _version++;
                }
                finally
                {
                    _gate.Release();
                }
            }

            public async Task SaveAsync()
            {
                await _gate.WaitAsync();
                try
                {
                    _version++;
                    await Task.Yield();
                }
                finally
                {
                    _gate.Release();
                }
            }

            public async Task LoadAsync(CancellationToken cancellationToken)
            {
                // The token bounds the wait, which .editorconfig accepts (NZ1001.allow_cancellation_token).
                await _gate.WaitAsync(cancellationToken);
                try
                {
                    _version--;
                }
                finally
                {
                    _gate.Release();
                }
            }
        }

        """;

    public const string Critical = """
        using System.Threading;

        namespace Demo;

        public sealed class Ledger
        {
            private readonly SemaphoreSlim _gate = new(1, 1);

            public void Post()
            {
                _gate.Wait();
                try
                {
                }
                finally
                {
                    _gate.Release();
                }
            }
        }

        """;

    public const string Ignored = """
        using System.Threading;

        namespace Demo;

        public sealed class Legacy
        {
            private readonly SemaphoreSlim _gate = new(1, 1);

            public void Run()
            {
                _gate.Wait();
                try
                {
                }
                finally
                {
                    _gate.Release();
                }
            }
        }

        """;

    public const string Poller = """
        using System.Threading;

        namespace Worker;

        public sealed class Poller
        {
            private readonly SemaphoreSlim _gate = new(1, 1);

            public void Poll()
            {
                _gate.Wait();
                try
                {
                }
                finally
                {
                    _gate.Release();
                }
            }
        }

        """;

    /// <summary>CA2200, a warning of the SDK's own analyzers: reported only with --include-other-analyzers.</summary>
    public const string Rethrow = """
        namespace Worker;

        public static class Rethrow
        {
            public static void Run(System.Action action)
            {
                try
                {
                    action();
                }
                catch (System.Exception e)
                {
                    throw e;
                }
            }
        }

        """;

    public const string EditorConfig = """
        root = true

        [*.cs]
        dotnet_diagnostic.NZ1001.severity = warning
        NZ1001.allow_cancellation_token = true

        [src/Demo/Critical.cs]
        dotnet_diagnostic.NZ1001.severity = error

        [src/Demo/Ignored.cs]
        dotnet_diagnostic.NZ1001.severity = none

        """;

    public SampleSolution()
    {
        Root = Directory.CreateTempSubdirectory("nuzantara-cli-").FullName;
        Write(".editorconfig", EditorConfig);
        Write("Sample.sln", Solution(("Demo", @"src\Demo\Demo.csproj"), ("Worker", @"src\Worker\Worker.csproj")));
        Write("src/Demo/Demo.csproj", Project($"""<ProjectReference Include="{Repository.RuntimeProject}" />"""));
        Write("src/Demo/Cache.cs", Cache);
        Write("src/Demo/Critical.cs", Critical);
        Write("src/Demo/Ignored.cs", Ignored);
        Write("src/Worker/Worker.csproj", Project(string.Empty));
        Write("src/Worker/Poller.cs", Poller);
        Write("src/Worker/Rethrow.cs", Rethrow);
    }

    public string Root { get; }

    public string SolutionPath => Path.Combine(Root, "Sample.sln");

    public string DemoProject => Path.Combine(Root, "src", "Demo", "Demo.csproj");

    public string WorkerProject => Path.Combine(Root, "src", "Worker", "Worker.csproj");

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>The 1-based line and column where <paramref name="snippet"/> first occurs in <paramref name="source"/>.</summary>
    public static (int Line, int Column) PositionOf(string source, string snippet)
    {
        var index = source.IndexOf(snippet, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{snippet}' is not in the source");
        var before = source[..index];
        return (before.Count(c => c == '\n') + 1, index - (before.LastIndexOf('\n') + 1) + 1);
    }

    public static string Project(string references) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <NuGetAudit>false</NuGetAudit>
          </PropertyGroup>
          <ItemGroup>
            {references}
          </ItemGroup>
        </Project>
        """;

    public static string Solution(params (string Name, string Path)[] projects)
    {
        const string CSharp = "{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}";
        var ids = projects.Select(_ => Guid.NewGuid().ToString("B").ToUpperInvariant()).ToList();
        var lines = new List<string>
        {
            string.Empty,
            "Microsoft Visual Studio Solution File, Format Version 12.00",
            "# Visual Studio Version 17",
            "VisualStudioVersion = 17.0.31903.59",
            "MinimumVisualStudioVersion = 10.0.40219.1",
        };
        for (var i = 0; i < projects.Length; i++)
        {
            lines.Add($"Project(\"{CSharp}\") = \"{projects[i].Name}\", \"{projects[i].Path}\", \"{ids[i]}\"");
            lines.Add("EndProject");
        }

        lines.Add("Global");
        lines.Add("\tGlobalSection(SolutionConfigurationPlatforms) = preSolution");
        lines.Add("\t\tDebug|Any CPU = Debug|Any CPU");
        lines.Add("\tEndGlobalSection");
        lines.Add("\tGlobalSection(ProjectConfigurationPlatforms) = postSolution");
        foreach (var id in ids)
        {
            lines.Add($"\t\t{id}.Debug|Any CPU.ActiveCfg = Debug|Any CPU");
            lines.Add($"\t\t{id}.Debug|Any CPU.Build.0 = Debug|Any CPU");
        }

        lines.Add("\tEndGlobalSection");
        lines.Add("EndGlobal");
        return string.Join("\n", lines) + "\n";
    }

    public void Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the temporary folder is cleaned up by the system later.
        }
    }
}

/// <summary>The end-to-end tests load projects and restore into the runtime's shared output, so they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class EndToEndGroup : ICollectionFixture<SampleSolution>
{
    public const string Name = "EndToEnd";
}
