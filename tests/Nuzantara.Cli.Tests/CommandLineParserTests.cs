using Nuzantara.Cli.CommandLine;

namespace Nuzantara.Cli.Tests;

public sealed class CommandLineParserTests
{
    [Fact]
    public void Check_WithOnlyAPath_TakesTheDefaults()
    {
        var options = Assert.IsType<CheckOptions>(CommandLineParser.Parse(["check", "App.sln"]).Command);

        Assert.Equal("App.sln", options.Path);
        Assert.Equal(ReportFormat.Text, options.Format);
        Assert.Equal(FailOn.Error, options.FailOn);
        Assert.Equal(RestoreMode.Auto, options.Restore);
        Assert.Empty(options.Rules);
        Assert.Null(options.OutputFile);
        Assert.False(options.IncludeOtherAnalyzers);
        Assert.False(options.Quiet);
    }

    [Fact]
    public void Check_WithEveryOption_ReadsThemAll_InBothSpellings()
    {
        var options = Assert.IsType<CheckOptions>(CommandLineParser.Parse(
        [
            "check", "--format=sarif", "src", "--output", "out.sarif", "--rule", "nz1001,NZ1002", "--rule=NZ1001", "--fail-on", "warning",
            "--include-other-analyzers", "--no-restore", "-p:Configuration=Release", "--property", "TargetFramework=net10.0", "-q",
        ]).Command);

        Assert.Equal("src", options.Path);
        Assert.Equal(ReportFormat.Sarif, options.Format);
        Assert.Equal("out.sarif", options.OutputFile);
        Assert.Equal(["NZ1001", "NZ1002"], options.Rules);
        Assert.Equal(FailOn.Warning, options.FailOn);
        Assert.True(options.IncludeOtherAnalyzers);
        Assert.Equal(RestoreMode.Never, options.Restore);
        Assert.Equal("Release", options.Properties["Configuration"]);
        Assert.Equal("net10.0", options.Properties["TargetFramework"]);
        Assert.True(options.Quiet);
    }

    [Fact]
    public void Fix_WithRulesAndDryRun_IsAFixCommand()
    {
        var options = Assert.IsType<FixOptions>(CommandLineParser.Parse(["fix", "App.sln", "--rule", "NZ1001", "--dry-run", "--restore"]).Command);

        Assert.Equal(["NZ1001"], options.Rules);
        Assert.True(options.DryRun);
        Assert.Equal(RestoreMode.Always, options.Restore);
    }

    [Theory]
    [InlineData("no command given", new string[0])]
    [InlineData("unknown command 'lint'", new[] { "lint", "App.sln" })]
    [InlineData("'check' needs a path", new[] { "check" })]
    [InlineData("'fix' needs --rule", new[] { "fix", "App.sln" })]
    [InlineData("unknown option '--dry-run' for 'check'", new[] { "check", "App.sln", "--dry-run" })]
    [InlineData("unknown option '--format' for 'fix'", new[] { "fix", "App.sln", "--rule", "NZ1001", "--format", "json" })]
    [InlineData("option '--format' takes text, json, sarif; got 'xml'", new[] { "check", "App.sln", "--format", "xml" })]
    [InlineData("option '--fail-on' takes none, warning, error; got 'info'", new[] { "check", "App.sln", "--fail-on", "info" })]
    [InlineData("option '--output' needs a value", new[] { "check", "App.sln", "--output" })]
    [InlineData("unexpected argument 'Other.sln'", new[] { "check", "App.sln", "Other.sln" })]
    [InlineData("option '--property' takes NAME=VALUE", new[] { "check", "App.sln", "-p", "Release" })]
    [InlineData("option '--quiet' takes no value", new[] { "check", "App.sln", "--quiet=yes" })]
    public void InvalidLine_SaysWhy(string expected, string[] args)
    {
        var result = CommandLineParser.Parse(args);

        Assert.Null(result.Command);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpAndVersion_AreRecognized()
    {
        Assert.True(CommandLineParser.Parse(["check", "--help"]).ShowHelp);
        Assert.True(CommandLineParser.Parse(["-h"]).ShowHelp);
        Assert.True(CommandLineParser.Parse(["--version"]).ShowVersion);
    }

    [Fact]
    public async Task Help_PrintsUsage_AndUsageErrorsExitWithTwo()
    {
        var help = await CliRunner.RunAsync("--help");
        var wrong = await CliRunner.RunAsync("check", "App.sln", "--format", "xml");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("nuzantara check <path>", help.Output, StringComparison.Ordinal);
        Assert.Contains("--fail-on none|warning|error", help.Output, StringComparison.Ordinal);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("nuzantara --help", wrong.Error, StringComparison.Ordinal);
    }
}
