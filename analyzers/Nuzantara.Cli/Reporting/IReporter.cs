using Nuzantara.Cli.Analysis;
using Nuzantara.Cli.CommandLine;

namespace Nuzantara.Cli.Reporting;

/// <summary>Writes a <see cref="CheckReport"/> in one format.</summary>
internal interface IReporter
{
    /// <summary>Writes the report.</summary>
    void Write(CheckReport report, TextWriter writer);
}

/// <summary>The reporter of each format.</summary>
internal static class Reporters
{
    /// <summary>The reporter for <paramref name="format"/>.</summary>
    public static IReporter For(ReportFormat format) => format switch
    {
        ReportFormat.Json => new JsonReporter(),
        ReportFormat.Sarif => new SarifReporter(),
        _ => new TextReporter(),
    };
}
