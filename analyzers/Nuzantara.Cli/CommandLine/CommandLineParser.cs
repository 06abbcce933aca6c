namespace Nuzantara.Cli.CommandLine;

/// <summary>Reads <c>nuzantara</c>'s command line. Options take their value as the next argument or after <c>=</c>.</summary>
internal static class CommandLineParser
{
    /// <summary>Parses the arguments after the program name.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The command, a request for help or the version, or the reason the line is invalid.</returns>
    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return ParseResult.Invalid("no command given: expected 'check' or 'fix'");
        }

        if (args.Any(a => a is "-h" or "--help" or "-?"))
        {
            return ParseResult.Help();
        }

        if (args[0] == "--version")
        {
            return ParseResult.Version();
        }

        var command = args[0];
        if (command is not ("check" or "fix"))
        {
            return ParseResult.Invalid($"unknown command '{command}': expected 'check' or 'fix'");
        }

        var state = new State();
        for (var i = 1; i < args.Count; i++)
        {
            var error = Read(command, args, ref i, state);
            if (error is not null)
            {
                return ParseResult.Invalid(error);
            }
        }

        if (state.Path is null)
        {
            return ParseResult.Invalid($"'{command}' needs a path: a .sln, .slnx or .csproj file, or a folder");
        }

        if (command == "fix")
        {
            return state.Rules.Count == 0
                ? ParseResult.Invalid("'fix' needs --rule NZxxxx[,NZxxxx...]: the rules whose fixes to apply")
                : ParseResult.Run(new FixOptions(state.Path, state.Restore, state.Properties, state.Quiet, state.Rules, state.DryRun));
        }

        return ParseResult.Run(new CheckOptions(
            state.Path, state.Restore, state.Properties, state.Quiet, state.Format, state.Output, state.Rules, state.FailOn, state.IncludeOtherAnalyzers));
    }

    private static string? Read(string command, IReadOnlyList<string> args, ref int index, State state)
    {
        var argument = args[index];
        if (!argument.StartsWith('-') || argument == "-")
        {
            if (state.Path is not null)
            {
                return $"unexpected argument '{argument}': '{command}' takes one path";
            }

            state.Path = argument;
            return null;
        }

        // MSBuild's own spelling: -p:Configuration=Release.
        foreach (var prefix in (string[])["-p:", "--property:"])
        {
            if (argument.StartsWith(prefix, StringComparison.Ordinal))
            {
                return AddProperty(argument[prefix.Length..], state);
            }
        }

        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        var name = equals > 0 && argument.StartsWith("--", StringComparison.Ordinal) ? argument[..equals] : argument;
        string? inlineValue = equals > 0 && name.Length < argument.Length ? argument[(equals + 1)..] : null;

        switch (name)
        {
            case "--restore":
                state.Restore = RestoreMode.Always;
                return NoValue(name, inlineValue);
            case "--no-restore":
                state.Restore = RestoreMode.Never;
                return NoValue(name, inlineValue);
            case "-q" or "--quiet":
                state.Quiet = true;
                return NoValue(name, inlineValue);
            case "--rule" or "--rules":
                return Value(args, ref index, name, inlineValue, out var rules) ?? AddRules(rules!, state);
            case "-p" or "--property":
                return Value(args, ref index, name, inlineValue, out var property) ?? AddProperty(property!, state);
            case "--format" when command == "check":
                return Value(args, ref index, name, inlineValue, out var format)
                    ?? Choice(name, format!, ["text", "json", "sarif"], value => state.Format = Enum.Parse<ReportFormat>(value, ignoreCase: true));
            case "--output" or "-o" when command == "check":
                var outputError = Value(args, ref index, name, inlineValue, out var output);
                state.Output = output;
                return outputError;
            case "--fail-on" when command == "check":
                return Value(args, ref index, name, inlineValue, out var failOn)
                    ?? Choice(name, failOn!, ["none", "warning", "error"], value => state.FailOn = Enum.Parse<FailOn>(value, ignoreCase: true));
            case "--include-other-analyzers" when command == "check":
                state.IncludeOtherAnalyzers = true;
                return NoValue(name, inlineValue);
            case "--dry-run" when command == "fix":
                state.DryRun = true;
                return NoValue(name, inlineValue);
            default:
                return $"unknown option '{name}' for '{command}' (see nuzantara --help)";
        }
    }

    private static string? NoValue(string name, string? inlineValue)
        => inlineValue is null ? null : $"option '{name}' takes no value";

    private static string? Value(IReadOnlyList<string> args, ref int index, string name, string? inlineValue, out string? value)
    {
        if (inlineValue is not null)
        {
            value = inlineValue;
        }
        else if (index + 1 < args.Count)
        {
            value = args[++index];
        }
        else
        {
            value = null;
            return $"option '{name}' needs a value";
        }

        return value.Length == 0 ? $"option '{name}' needs a value" : null;
    }

    private static string? Choice(string name, string value, string[] choices, Action<string> set)
    {
        var match = choices.FirstOrDefault(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return $"option '{name}' takes {string.Join(", ", choices)}; got '{value}'";
        }

        set(match);
        return null;
    }

    private static string? AddRules(string value, State state)
    {
        foreach (var rule in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var id = rule.ToUpperInvariant();
            if (!state.Rules.Contains(id, StringComparer.Ordinal))
            {
                state.Rules.Add(id);
            }
        }

        return state.Rules.Count == 0 ? "option '--rule' needs at least one rule id, such as NZ1001" : null;
    }

    private static string? AddProperty(string value, State state)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return $"option '--property' takes NAME=VALUE; got '{value}'";
        }

        state.Properties[value[..equals].Trim()] = value[(equals + 1)..].Trim();
        return null;
    }

    private sealed class State
    {
        public string? Path { get; set; }

        public RestoreMode Restore { get; set; } = RestoreMode.Auto;

        public Dictionary<string, string> Properties { get; } = new(StringComparer.OrdinalIgnoreCase);

        public bool Quiet { get; set; }

        public ReportFormat Format { get; set; } = ReportFormat.Text;

        public string? Output { get; set; }

        public List<string> Rules { get; } = [];

        public FailOn FailOn { get; set; } = FailOn.Error;

        public bool IncludeOtherAnalyzers { get; set; }

        public bool DryRun { get; set; }
    }
}
