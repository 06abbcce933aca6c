using Nuzantara.Cli.Loading;

namespace Nuzantara.Cli.Tests;

public sealed class TargetResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nuzantara-target-").FullName;

    [Fact]
    public void Solution_ListsItsCSharpProjects_WithWindowsSeparators()
    {
        Write("App.sln", """
            Microsoft Visual Studio Solution File, Format Version 12.00
            Project("{2150E333-8FDC-42A3-9474-1A3956D46DE8}") = "src", "src", "{11111111-1111-1111-1111-111111111111}"
            EndProject
            Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Api", "src\Api\Api.csproj", "{22222222-2222-2222-2222-222222222222}"
            EndProject
            Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Shared", "..\shared\Shared.csproj", "{33333333-3333-3333-3333-333333333333}"
            EndProject
            """);

        var target = TargetResolver.Resolve("App.sln", _root);

        Assert.Equal(TargetKind.Solution, target.Kind);
        Assert.Equal(_root, target.RootDirectory);
        Assert.Equal(
            [Path.Combine(_root, "src", "Api", "Api.csproj"), Path.GetFullPath(Path.Combine(_root, "..", "shared", "Shared.csproj"))],
            target.ProjectFiles);
    }

    [Fact]
    public void Slnx_ListsItsProjects()
    {
        Write("App.slnx", """<Solution><Folder Name="/src/"><Project Path="src/Api/Api.csproj" /></Folder><Project Path="tests/Api.Tests/Api.Tests.csproj" /></Solution>""");

        var target = TargetResolver.Resolve(_root, _root);

        Assert.Equal(TargetKind.Solution, target.Kind);
        Assert.Equal(2, target.ProjectFiles.Count);
        Assert.True(target.Includes(Path.Combine(_root, "tests", "Api.Tests", "Api.Tests.csproj")));
    }

    [Fact]
    public void FolderWithoutSolution_TakesEveryProjectBelowIt_ButNotBuildOutput()
    {
        Write("src/Api/Api.csproj", "<Project />");
        Write("src/Api/obj/Generated.csproj", "<Project />");
        Write("tests/Api.Tests/Api.Tests.csproj", "<Project />");

        var target = TargetResolver.Resolve(_root, "/");

        Assert.Equal(TargetKind.Folder, target.Kind);
        Assert.Equal([Path.Combine(_root, "src", "Api", "Api.csproj"), Path.Combine(_root, "tests", "Api.Tests", "Api.Tests.csproj")], target.ProjectFiles);
    }

    [Fact]
    public void FolderWithTwoSolutions_AsksForOne()
    {
        Write("A.sln", string.Empty);
        Write("B.sln", string.Empty);

        var error = Assert.Throws<TargetException>(() => TargetResolver.Resolve(_root, _root));

        Assert.Contains("several solutions (A.sln, B.sln)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPath_Throws()
    {
        var error = Assert.Throws<TargetException>(() => TargetResolver.Resolve("nope/App.sln", _root));

        Assert.Equal($"no such file or folder: {Path.Combine(_root, "nope", "App.sln")}", error.Message);
    }

    [Fact]
    public void Project_IsItsOwnTarget()
    {
        Write("Api.csproj", "<Project />");

        var target = TargetResolver.Resolve(Path.Combine(_root, "Api.csproj"), "/");

        Assert.Equal(TargetKind.Project, target.Kind);
        Assert.Equal([Path.Combine(_root, "Api.csproj")], target.ProjectFiles);
    }

    [Fact]
    public void NeedsRestore_UntilAnAssetsFileExists_BesideTheProjectOrInTheArtifactsLayout()
    {
        Write("src/Api/Api.csproj", "<Project />");
        Write("src/Web/Web.csproj", "<Project />");
        Write("Directory.Build.props", "<Project />");
        var api = Path.Combine(_root, "src", "Api", "Api.csproj");
        var web = Path.Combine(_root, "src", "Web", "Web.csproj");
        Assert.True(Restorer.NeedsRestore(api));

        Write("src/Api/obj/project.assets.json", "{}");
        Write("artifacts/obj/Web/project.assets.json", "{}");

        Assert.False(Restorer.NeedsRestore(api));
        Assert.False(Restorer.NeedsRestore(web));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
