using Microsoft.CodeAnalysis.Testing;

namespace Nuzantara.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs a verifier test with its expected diagnostics listed, for rules whose diagnostics carry related locations
/// (<c>{|#0:…|}</c> and <c>{|#1:…|}</c> with <c>.WithLocation(0).WithLocation(1)</c>), which markup alone cannot express.
/// </summary>
internal static class TestRunExtensions
{
    internal static Task ExpectAsync<TTest>(this TTest test, params DiagnosticResult[] expected)
        where TTest : AnalyzerTest<DefaultVerifier>
    {
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>The diagnostics are reported and stay: no code fix is offered for them.</summary>
    internal static Task ExpectNoFixAsync<TTest>(this TTest test, params DiagnosticResult[] expected)
        where TTest : CodeFixTest<DefaultVerifier>
    {
        test.FixedCode = test.TestState.Sources[0].content.ToString();
        test.FixedState.ExpectedDiagnostics.AddRange(expected);
        return test.ExpectAsync(expected);
    }

    /// <summary>Adds <c>.editorconfig</c> options such as <c>nuzantara.default_isolation_level = serializable</c>.</summary>
    internal static TTest WithOptions<TTest>(this TTest test, params string[] options)
        where TTest : AnalyzerTest<DefaultVerifier>
    {
        test.TestState.AnalyzerConfigFiles.Add(TestReferences.EditorConfig(options));
        return test;
    }
}
