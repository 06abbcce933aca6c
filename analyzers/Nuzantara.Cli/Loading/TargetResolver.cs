namespace Nuzantara.Cli.Loading;

/// <summary>Turns the command line's path into a <see cref="Target"/>.</summary>
internal static class TargetResolver
{
    private static readonly string[] SolutionExtensions = [".sln", ".slnx"];

    /// <summary>Folders that hold build output or dependencies, never projects to analyze.</summary>
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase) { "bin", "obj", "artifacts", "node_modules", ".git", ".vs" };

    /// <summary>Resolves a path given relative to <paramref name="currentDirectory"/>.</summary>
    /// <exception cref="TargetException">The path does not exist or names nothing loadable.</exception>
    public static Target Resolve(string path, string currentDirectory)
    {
        var full = Path.GetFullPath(path, currentDirectory);
        if (File.Exists(full))
        {
            return ResolveFile(full);
        }

        if (Directory.Exists(full))
        {
            return ResolveFolder(Path.TrimEndingDirectorySeparator(full));
        }

        throw new TargetException($"no such file or folder: {full}");
    }

    private static Target ResolveFile(string file)
    {
        var extension = Path.GetExtension(file);
        var folder = Path.GetDirectoryName(file)!;
        if (SolutionExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            return new Target(TargetKind.Solution, file, folder, SolutionFileReader.ReadProjects(file));
        }

        if (string.Equals(extension, ".csproj", StringComparison.OrdinalIgnoreCase))
        {
            return new Target(TargetKind.Project, file, folder, [file]);
        }

        throw new TargetException($"not a solution or C# project: {file} (expected .sln, .slnx, .csproj or a folder)");
    }

    private static Target ResolveFolder(string folder)
    {
        var solutions = Directory.EnumerateFiles(folder)
            .Where(f => SolutionExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (solutions.Count == 1)
        {
            return ResolveFile(solutions[0]);
        }

        if (solutions.Count > 1)
        {
            throw new TargetException(
                $"{folder} holds several solutions ({string.Join(", ", solutions.Select(Path.GetFileName))}): name one");
        }

        var projects = FindProjects(folder).Order(StringComparer.Ordinal).ToList();
        if (projects.Count == 0)
        {
            throw new TargetException($"no solution or C# project in {folder}");
        }

        return new Target(TargetKind.Folder, folder, folder, projects);
    }

    private static IEnumerable<string> FindProjects(string folder)
    {
        foreach (var project in Directory.EnumerateFiles(folder, "*.csproj"))
        {
            yield return project;
        }

        foreach (var child in Directory.EnumerateDirectories(folder))
        {
            if (SkippedFolders.Contains(Path.GetFileName(child)))
            {
                continue;
            }

            foreach (var project in FindProjects(child))
            {
                yield return project;
            }
        }
    }
}
