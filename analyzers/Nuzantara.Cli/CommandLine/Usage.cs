namespace Nuzantara.Cli.CommandLine;

/// <summary>The text <c>nuzantara --help</c> prints.</summary>
internal static class Usage
{
    /// <summary>The usage text.</summary>
    public const string Text = """
        nuzantara: finds and fixes race conditions in async C# with the Nuzantara analyzers (NZxxxx rules).

        Usage:
          nuzantara check <path> [options]
          nuzantara fix <path> --rule NZxxxx[,NZxxxx...] [--dry-run] [options]
          nuzantara --help | --version

        <path> is a .sln, .slnx or .csproj file, or a folder holding one solution (else every .csproj below it).

        check: runs the rules and reports what they find.
          --format text|json|sarif       report format (default: text)
          --output FILE                  write the report to FILE instead of standard output
          --rule NZxxxx[,NZxxxx...]      only these rules (may be repeated)
          --fail-on none|warning|error   exit with 1 when a finding has at least this severity (default: error)
          --include-other-analyzers      also run the analyzers the projects reference (their diagnostics are reported too)

        fix: applies the rules' code fixes (Fix All) across the target and writes the files.
          --rule NZxxxx[,NZxxxx...]      the rules to fix (required)
          --dry-run                      print a unified diff instead; change no file

        Both:
          --restore | --no-restore       always / never run 'dotnet restore' first
                                         (default: restore when a project has never been restored)
          -p, --property NAME=VALUE      an MSBuild property for loading the projects, e.g. -p Configuration=Release
          -q, --quiet                    no progress on standard error
          -h, --help                     this text
          --version                      the tool's version

        Severities and rule options come from the solution's .editorconfig
        (dotnet_diagnostic.NZ1001.severity = error|warning|suggestion|none, NZ1001.default_timeout = 5s, ...).

        Exit codes:
          0  no finding at or above --fail-on (fix: the fixes were applied or printed)
          1  a finding at or above --fail-on, or a project failed to load (with --fail-on warning|error)
             (fix: a project failed to load or a fix failed)
          2  usage error: unknown option or rule, missing path
        """;
}
