using System.Reflection;

namespace Nuzantara.Cli;

/// <summary>The tool's name, version and home, as reports state them.</summary>
internal static class ToolInfo
{
    /// <summary>The command's name.</summary>
    public const string Name = "nuzantara";

    /// <summary>Where the tool and its rules are documented.</summary>
    public const string InformationUri = "https://github.com/nuzantara/nuzantara";

    /// <summary>The package version, without build metadata.</summary>
    public static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var informational = typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational?.Split('+')[0] ?? typeof(ToolInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
