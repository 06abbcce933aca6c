using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Nuzantara.Demo.Tests.Infrastructure;

/// <summary>
/// A sample backend loaded as `dotnet build` compiles it: from the compiler command line its own CoreCompile produced
/// when this test project was built (see RecordBackendCompilerArguments in the project file). Source generators run,
/// and its <c>.editorconfig</c> files apply, as in a build.
/// </summary>
internal static class BackendProject
{
    /// <summary>The repository's root: the folder above the test assembly that holds the solution.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The folder of a backend project, such as <c>sample-backend/Nuzantara.Backend.Unfixed</c>.</summary>
    public static string Directory(string projectName) => Path.Combine(RepositoryRoot, "sample-backend", projectName);

    /// <summary>Loads a backend into <paramref name="workspace"/>; its compilation must have no errors.</summary>
    public static async Task<(Project Project, Compilation Compilation)> LoadAsync(AdhocWorkspace workspace, string projectName)
    {
        var argumentsFile = Path.Combine(AppContext.BaseDirectory, "compiler-arguments", projectName + ".rsp");
        Assert.True(File.Exists(argumentsFile), $"{argumentsFile} is missing: it is written when this test project is built.");
        var arguments = File.ReadAllLines(argumentsFile).Where(line => line.Length > 0).ToArray();
        var directory = Directory(projectName);

        var info = CommandLineProject.CreateProjectInfo(projectName, LanguageNames.CSharp, arguments, directory, workspace);

        // CreateProjectInfo leaves out the /analyzerconfig files; without them .editorconfig severities and rule options
        // would not apply as they do in the build.
        var parsed = CSharpCommandLineParser.Default.Parse(arguments, directory, sdkDirectory: null);
        var configs = parsed.AnalyzerConfigPaths.Select(path => DocumentInfo.Create(
            DocumentId.CreateNewId(info.Id, path),
            Path.GetFileName(path),
            loader: TextLoader.From(TextAndVersion.Create(SourceText.From(File.ReadAllText(path)), VersionStamp.Create(), path)),
            filePath: path));
        var project = workspace.AddProject(info.WithAnalyzerConfigDocuments(configs));

        var compilation = await project.GetCompilationAsync() ?? throw new InvalidOperationException($"{projectName}: no compilation.");
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();

        // An error means the compilation is not the build's (a missing reference or generator), and rules could stay
        // silent on code they cannot bind: such a run proves nothing.
        Assert.True(errors.IsEmpty, $"{projectName} does not compile as in its build:\n" + string.Join('\n', errors.Take(10)));
        return (project, compilation);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Nuzantara.Analyzers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Nuzantara.Analyzers.sln above {AppContext.BaseDirectory}.");
    }
}
