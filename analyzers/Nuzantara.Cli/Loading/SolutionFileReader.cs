using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Nuzantara.Cli.Loading;

/// <summary>Lists the C# projects a <c>.sln</c> or <c>.slnx</c> names, without MSBuild.</summary>
internal static partial class SolutionFileReader
{
    /// <summary>The full paths of the solution's <c>.csproj</c> projects.</summary>
    /// <exception cref="TargetException">The file cannot be read.</exception>
    public static IReadOnlyList<string> ReadProjects(string solutionFile)
    {
        var folder = Path.GetDirectoryName(solutionFile)!;
        IEnumerable<string> relative;
        try
        {
            relative = string.Equals(Path.GetExtension(solutionFile), ".slnx", StringComparison.OrdinalIgnoreCase)
                ? XDocument.Load(solutionFile).Descendants("Project").Select(p => (string?)p.Attribute("Path")).OfType<string>()
                : ProjectLine().Matches(File.ReadAllText(solutionFile)).Select(m => m.Groups["path"].Value);
            relative = relative.ToList();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Xml.XmlException)
        {
            throw new TargetException($"cannot read the solution {solutionFile}: {exception.Message}", exception);
        }

        return relative
            .Where(p => p.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            .Select(p => Path.GetFullPath(p.Replace('\\', Path.DirectorySeparatorChar), folder))
            .Distinct(PathComparer.Instance)
            .ToList();
    }

    [GeneratedRegex(@"^Project\(""\{[^}]*\}""\)\s*=\s*""[^""]*""\s*,\s*""(?<path>[^""]*)""", RegexOptions.Multiline)]
    private static partial Regex ProjectLine();
}
