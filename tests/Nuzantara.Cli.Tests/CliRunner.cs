namespace Nuzantara.Cli.Tests;

/// <summary>What one run of the command printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error);

/// <summary>Runs the command in-process, with captured writers.</summary>
public static class CliRunner
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var exitCode = await NuzantaraCli.RunAsync(args, output, error, Environment.CurrentDirectory, timeout.Token);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
