namespace Nuzantara.Cli.Loading;

/// <summary>The kind of path given on the command line.</summary>
internal enum TargetKind
{
    /// <summary>A <c>.sln</c> or <c>.slnx</c> file.</summary>
    Solution,

    /// <summary>A <c>.csproj</c> file.</summary>
    Project,

    /// <summary>A folder without a solution: every project below it.</summary>
    Folder,
}

/// <summary>What to load and analyze, resolved from the command line's path.</summary>
/// <param name="Kind">The kind of target.</param>
/// <param name="Path">The full path of the solution, project or folder.</param>
/// <param name="RootDirectory">The folder that report paths are relative to.</param>
/// <param name="ProjectFiles">
/// The full paths of the projects the user asked for. Projects they reference are loaded too, but only these are
/// analyzed and fixed.
/// </param>
internal sealed record Target(TargetKind Kind, string Path, string RootDirectory, IReadOnlyList<string> ProjectFiles)
{
    /// <summary>Whether a loaded project is one the user asked for.</summary>
    public bool Includes(string? projectFile)
        => projectFile is not null && ProjectFiles.Contains(System.IO.Path.GetFullPath(projectFile), PathComparer.Instance);
}

/// <summary>Compares file paths as the file system does.</summary>
internal static class PathComparer
{
    /// <summary>Ordinal on Linux and macOS file systems that care about case; ignoring case on Windows.</summary>
    public static StringComparer Instance { get; } = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
}
