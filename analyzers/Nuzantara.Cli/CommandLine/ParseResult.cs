namespace Nuzantara.Cli.CommandLine;

/// <summary>What the command line asked for: a command to run, help, the version, or a usage error.</summary>
internal sealed class ParseResult
{
    private ParseResult(CommandOptions? command, bool showHelp, bool showVersion, string? error)
    {
        Command = command;
        ShowHelp = showHelp;
        ShowVersion = showVersion;
        Error = error;
    }

    /// <summary>The command to run, when the line was valid and asked for one.</summary>
    public CommandOptions? Command { get; }

    /// <summary>Whether to print the usage text.</summary>
    public bool ShowHelp { get; }

    /// <summary>Whether to print the version.</summary>
    public bool ShowVersion { get; }

    /// <summary>Why the line is invalid, when it is.</summary>
    public string? Error { get; }

    /// <summary>A valid command.</summary>
    public static ParseResult Run(CommandOptions command) => new(command, showHelp: false, showVersion: false, error: null);

    /// <summary>A request for the usage text.</summary>
    public static ParseResult Help() => new(null, showHelp: true, showVersion: false, error: null);

    /// <summary>A request for the version.</summary>
    public static ParseResult Version() => new(null, showHelp: false, showVersion: true, error: null);

    /// <summary>An invalid line.</summary>
    public static ParseResult Invalid(string error) => new(null, showHelp: false, showVersion: false, error);
}
