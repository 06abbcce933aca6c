using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Nuzantara.Analyzers.Tests.Verifiers;

/// <summary>Runs one analyzer over marked-up source: <c>[|…|]</c> or <c>{|NZ1001:…|}</c> where it must report.</summary>
public static class CSharpAnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
        => VerifyAnalyzerAsync(source, [], expected);

    /// <param name="options"><c>.editorconfig</c> lines such as <c>NZ1001.allow_cancellation_token = true</c>.</param>
    public static Task VerifyAnalyzerAsync(string source, string[] options, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        if (options.Length > 0)
        {
            test.TestState.AnalyzerConfigFiles.Add(TestReferences.EditorConfig(options));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.Assemblies;
            TestReferences.AddTo(TestState);

            // Rules with one descriptor per message share an id; markup then means "this id", whichever message.
            MarkupOptions = MarkupOptions.UseFirstDescriptor;
        }
    }
}
