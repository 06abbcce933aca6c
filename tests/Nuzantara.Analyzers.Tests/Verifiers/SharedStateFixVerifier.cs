using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Nuzantara.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs a shared-state rule and its code fix over a service and, when given, the <c>Program.cs</c> that registers it:
/// the fix must produce the fixed service (one diagnostic at a time and through Fix All), and the result must compile.
/// </summary>
public static class SharedStateFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>A composition root registering services as singletons: <c>Program("AddSingleton&lt;Cache&gt;()")</c>.</summary>
    public static string Program(params string[] registrations)
        => "using Microsoft.Extensions.DependencyInjection;\n\npublic static class CompositionRoot\n{\n    public static void Configure(IServiceCollection services)\n    {\n"
            + string.Concat(registrations.Select(r => "        services." + r + ";\n"))
            + "    }\n}\n";

    /// <param name="source">The service, with the diagnostics marked (<c>{|NZ2001:…|}</c>).</param>
    /// <param name="fixedSource">The service after the fix; the source itself when no fix may be offered.</param>
    /// <param name="program">A <c>Program.cs</c> registering the service, or empty.</param>
    /// <param name="equivalenceKey">The action to apply, such as <c>NZ2001.GuardKeyed</c>; null for the first one offered.</param>
    /// <param name="options"><c>.editorconfig</c> lines.</param>
    public static Task VerifyAsync(string source, string fixedSource, string program = "", string? equivalenceKey = null, params string[] options)
    {
        var test = new CSharpCodeFixVerifier<TAnalyzer, TCodeFix>.Test
        {
            CodeActionEquivalenceKey = equivalenceKey,

            // The shared-state rules report from a compilation-end action (DI registrations can sit in any file), so
            // their diagnostics are not local to one document; fixes for them still apply per document.
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
        };
        test.TestState.Sources.Add(("/0/Service.cs", source));
        test.FixedState.Sources.Add(("/0/Service.cs", fixedSource));
        if (program.Length > 0)
        {
            test.TestState.Sources.Add(("/0/Program.cs", program));
            test.FixedState.Sources.Add(("/0/Program.cs", program));
        }

        if (options.Length > 0)
        {
            test.TestState.AnalyzerConfigFiles.Add(TestReferences.EditorConfig(options));
        }

        return test.RunAsync();
    }
}
