using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Nuzantara.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs a shared-state analyzer over a service and the <c>Program.cs</c> that registers it, as an application has
/// them: registrations sit in another file than the types they make shared.
/// </summary>
public static class SharedStateVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    /// <summary>The analyzer's one diagnostic, to place with <c>WithLocation</c>; its message is checked only when a test gives <c>WithArguments</c>.</summary>
    public static DiagnosticResult Diagnostic()
    {
        var descriptor = new TAnalyzer().SupportedDiagnostics[0];
        return new DiagnosticResult(descriptor.Id, descriptor.DefaultSeverity);
    }

    /// <summary>The diagnostic at the marked locations <c>{|#n:…|}</c>: the first is where it is reported, the others its additional locations.</summary>
    public static DiagnosticResult At(params int[] locations)
    {
        var result = Diagnostic();
        foreach (var location in locations)
        {
            result = result.WithLocation(location);
        }

        return result;
    }

    /// <summary>The usual composition root: top-level statements over a <c>ServiceCollection</c>-like builder.</summary>
    public static string Program(params string[] registrations)
        => "using Microsoft.Extensions.DependencyInjection;\n\npublic static class CompositionRoot\n{\n    public static void Configure(IServiceCollection services)\n    {\n"
            + string.Concat(registrations.Select(r => "        services." + r + ";\n"))
            + "    }\n}\n";

    public static Task VerifyAsync(string source, string program, params DiagnosticResult[] expected)
        => VerifyAsync(source, program, [], expected);

    /// <param name="options"><c>.editorconfig</c> lines such as <c>nuzantara.shared_types = *Cache</c>.</param>
    public static Task VerifyAsync(string source, string program, string[] options, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerVerifier<TAnalyzer>.Test();
        test.TestState.Sources.Add(("/0/Service.cs", source));
        if (program.Length > 0)
        {
            test.TestState.Sources.Add(("/0/Program.cs", program));
        }

        if (options.Length > 0)
        {
            test.TestState.AnalyzerConfigFiles.Add(TestReferences.EditorConfig(options));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
