namespace Nuzantara.Cli.Tests;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string RuntimeProject => Path.Combine(Root, "runtime", "Nuzantara.Concurrency", "Nuzantara.Concurrency.csproj");

    /// <summary>The build configuration these tests were built in, as the artifacts folder names it (release, debug).</summary>
    public static string Configuration => Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Nuzantara.Analyzers.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with Nuzantara.Analyzers.sln) is not above " + AppContext.BaseDirectory);
    }
}
