using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Nuzantara.Analyzers.Rules;
using Nuzantara.Analyzers.Tests.Verifiers;
using Xunit.Abstractions;

namespace Nuzantara.Analyzers.Tests.Rules;

/// <summary>
/// Every guard, switch and exchange the shared-state fixes offer, one at a time and through Fix All, on every sample of
/// the rules' own tests (each of their classes registered as a singleton, so that the rules report): the fixed code
/// must compile. The samples are many small realistic services that nobody wrote with the fixes in mind.
/// </summary>
public sealed partial class SharedStateFixCorpusTests(ITestOutputHelper output)
{
    private static readonly string[] CorpusFiles =
    [
        "Rules/UnguardedSharedWriteAnalyzerTests.cs", "Rules/LostUpdateAcrossAwaitAnalyzerTests.cs", "Rules/UnsafeSharedCollectionAnalyzerTests.cs",
        "Rules/CheckThenActAnalyzerTests.cs", "Rules/InconsistentLockingAnalyzerTests.cs", "Rules/DictionaryCheckThenActAnalyzerTests.cs",
        "Precision/PerRequestCodeTests.cs",
    ];

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
        new UnguardedSharedWriteAnalyzer(), new LostUpdateAcrossAwaitAnalyzer(), new UnsafeSharedCollectionAnalyzer(), new CheckThenActAnalyzer());

    private static readonly CodeFixProvider[] Providers =
    [
        new UnguardedSharedWriteCodeFixProvider(), new LostUpdateAcrossAwaitCodeFixProvider(), new UnsafeSharedCollectionCodeFixProvider(), new CheckThenActCodeFixProvider(),
    ];

    [Fact]
    public async Task EveryFixOffered_OnTheRulesTestSamples_Compiles()
    {
        var samples = 0;
        var actions = 0;
        var failures = new List<string>();
        foreach (var source in Samples())
        {
            using var workspace = new AdhocWorkspace();
            var (document, compilation) = await CompileAsync(workspace, source);
            if (compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                continue;
            }

            samples++;
            var tree = await document.GetSyntaxTreeAsync();
            var diagnostics = (await compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync()).Where(d => d.Location.SourceTree == tree).ToImmutableArray();
            foreach (var provider in Providers)
            {
                var fixable = diagnostics.Where(d => provider.FixableDiagnosticIds.Contains(d.Id)).ToImmutableArray();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var diagnostic in fixable)
                {
                    foreach (var action in await ActionsAsync(provider, document, diagnostic))
                    {
                        actions++;
                        keys.Add(action.EquivalenceKey!);
                        await CheckAsync(action, document, $"{diagnostic.Id} '{action.Title}'", failures);
                    }
                }

                foreach (var key in fixable.Length > 1 ? keys : [])
                {
                    var context = new FixAllContext(document, provider, FixAllScope.Document, key, provider.FixableDiagnosticIds, new FixedDiagnostics(fixable), CancellationToken.None);
                    if (await provider.GetFixAllProvider()!.GetFixAsync(context) is { } fixAll)
                    {
                        actions++;
                        await CheckAsync(fixAll, document, $"Fix All {key}", failures);
                    }
                }
            }
        }

        output.WriteLine($"{samples} samples, {actions} actions");
        Assert.True(samples >= 100, $"only {samples} samples compiled: did the rules' test files move?");
        Assert.Empty(failures);
    }

    private static async Task<IReadOnlyList<CodeAction>> ActionsAsync(CodeFixProvider provider, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        return actions;
    }

    private static async Task CheckAsync(CodeAction action, Document document, string what, List<string> failures)
    {
        var solution = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single().ChangedSolution;
        var compilation = await solution.GetProject(document.Project.Id)!.GetCompilationAsync();
        var errors = compilation!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(3).ToList();
        if (errors.Count > 0)
        {
            var text = await solution.GetDocument(document.Id)!.GetTextAsync();
            failures.Add($"{what}: {string.Join("; ", errors)}\n{text}");
        }
    }

    /// <summary>The service in one file and a composition root registering each of its classes as a singleton in another.</summary>
    private static async Task<(Document Document, Compilation Compilation)> CompileAsync(AdhocWorkspace workspace, string source)
    {
        var classes = ClassName().Matches(source).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal);
        var program = "using Microsoft.Extensions.DependencyInjection;\npublic static class CompositionRoot\n{\n    public static void Configure(IServiceCollection services)\n    {\n"
            + string.Concat(classes.Select(c => $"        services.AddSingleton<{c}>();\n")) + "    }\n}\n";
        var project = workspace.AddProject("Corpus", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithMetadataReferences(TestReferences.All);
        var document = project.AddDocument("Service.cs", SourceText.From(source));
        document = document.Project.AddDocument("Program.cs", SourceText.From(program)).Project.GetDocument(document.Id)!;
        return (document, (await document.Project.GetCompilationAsync())!);
    }

    /// <summary>The raw-string sources of the rules' tests, without their markup.</summary>
    private static IEnumerable<string> Samples()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Nuzantara.Analyzers.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
        }

        foreach (var file in CorpusFiles.Select(f => Path.Combine(root, "tests", "Nuzantara.Analyzers.Tests", f)).Where(File.Exists))
        {
            foreach (Match literal in RawString().Matches(File.ReadAllText(file)))
            {
                var lines = literal.Groups[1].Value.Split('\n');
                var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
                var source = string.Join("\n", lines.Select(l => l.Length >= indent ? l.Substring(indent) : l.TrimStart()));
                source = Markup().Replace(source, string.Empty).Replace("|}", string.Empty, StringComparison.Ordinal);
                if (source.Contains("class ", StringComparison.Ordinal))
                {
                    yield return source;
                }
            }
        }
    }

    [GeneratedRegex("\"\"\"\\n(.*?)\\n\\s*\"\"\"", RegexOptions.Singleline)]
    private static partial Regex RawString();

    [GeneratedRegex(@"\{\|[^:|]*:|\[\||\|\]")]
    private static partial Regex Markup();

    [GeneratedRegex(@"(?<!static )(?:sealed |abstract |partial )*class (\w+)(?![\w<])")]
    private static partial Regex ClassName();

    private sealed class FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>([]);
    }
}
