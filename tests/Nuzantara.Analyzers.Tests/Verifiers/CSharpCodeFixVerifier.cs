using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Nuzantara.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer and its code fix: the fix must turn the source into the fixed code, one diagnostic at a time and
/// through Fix All in document, project and solution scope, and the fixed code must compile against the runtime
/// (compiler errors count as unexpected diagnostics).
/// </summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpCodeFixVerifier<TAnalyzer, TCodeFix, DefaultVerifier>.Diagnostic(id);

    /// <summary>For rules with one descriptor per message: the expected diagnostic of that descriptor.</summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => CSharpCodeFixVerifier<TAnalyzer, TCodeFix, DefaultVerifier>.Diagnostic(descriptor);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
        => CSharpAnalyzerVerifier<TAnalyzer>.VerifyAnalyzerAsync(source, expected);

    public static Task VerifyCodeFixAsync(string source, string fixedSource, params string[] options)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource };
        if (options.Length > 0)
        {
            test.TestState.AnalyzerConfigFiles.Add(TestReferences.EditorConfig(options));
        }

        return test.RunAsync();
    }

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.Assemblies;
            TestReferences.AddTo(TestState);

            // Rules with one descriptor per message share an id; markup then means "this id", whichever message.
            MarkupOptions = MarkupOptions.UseFirstDescriptor;
            CompilerDiagnostics = CompilerDiagnostics.Errors;
        }
    }
}
