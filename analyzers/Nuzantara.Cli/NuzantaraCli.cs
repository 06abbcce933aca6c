using Nuzantara.Cli.Analysis;
using Nuzantara.Cli.CommandLine;

namespace Nuzantara.Cli;

/// <summary>The tool's entry point, callable in-process with any writers (the tests do).</summary>
internal static class NuzantaraCli
{
    /// <summary>Parses <paramref name="args"/> and runs the command.</summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="output">Where reports and diffs go.</param>
    /// <param name="error">Where progress, problems and usage errors go.</param>
    /// <param name="currentDirectory">What relative paths are relative to.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>The process exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, string currentDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var parsed = CommandLineParser.Parse(args);
        if (parsed.Error is not null)
        {
            error.WriteLine($"error: {parsed.Error}");
            error.WriteLine("Run 'nuzantara --help' for usage.");
            return ExitCodes.Usage;
        }

        if (parsed.ShowHelp)
        {
            output.WriteLine(Usage.Text);
            return ExitCodes.Success;
        }

        if (parsed.ShowVersion)
        {
            output.WriteLine(ToolInfo.Version);
            return ExitCodes.Success;
        }

        return parsed.Command switch
        {
            CheckOptions check => await new CheckCommand(RuleCatalog.Nuzantara, output, error).RunAsync(check, currentDirectory, cancellationToken).ConfigureAwait(false),
            FixOptions fix => await new FixCommand(RuleCatalog.Nuzantara, output, error).RunAsync(fix, currentDirectory, cancellationToken).ConfigureAwait(false),
            _ => ExitCodes.Usage,
        };
    }
}
