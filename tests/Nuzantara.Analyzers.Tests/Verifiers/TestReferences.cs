using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Nuzantara.Concurrency;

namespace Nuzantara.Analyzers.Tests.Verifiers;

/// <summary>The references every test compilation gets: .NET's reference pack, Nito.AsyncEx, our runtime, and the DI, hosting and logging abstractions, as users have them.</summary>
/// <remarks>
/// The reference pack comes from the SDK that runs the tests, and Nito.AsyncEx from this project's own restore, so
/// tests need no package download at run time and follow whatever .NET 10 SDK the machine has.
/// </remarks>
internal static class TestReferences
{
    internal static readonly ReferenceAssemblies Assemblies = new("net10.0");

    /// <summary>Everything a test compilation references besides its own source.</summary>
    internal static readonly IReadOnlyList<MetadataReference> All = Load();

    /// <summary>An <c>.editorconfig</c> that sets the given options for every file.</summary>
    internal static (string Path, string Content) EditorConfig(params string[] options)
        => ("/.editorconfig", "root = true\n\n[*.cs]\n" + string.Join("\n", options) + "\n");

    internal static void AddTo(SolutionState state)
    {
        foreach (var reference in All)
        {
            state.AdditionalReferences.Add(reference);
        }
    }

    private static List<MetadataReference> Load()
    {
        var references = FrameworkReferencePaths().Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(Nito.AsyncEx.AsyncLock).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(Nito.AsyncEx.AwaitableDisposable<>).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(AsyncLock).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Hosting.BackgroundService).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location));
        references.AddRange(DataAccessAssemblies().Select(assembly => (MetadataReference)MetadataReference.CreateFromFile(assembly.Location)));
        return references;
    }

    /// <summary>
    /// The data-access libraries the SQL rules (NZ3003, NZ3004, NZ4001, NZ4002) read: Npgsql, Dapper, EF Core's relational
    /// raw SQL, the cache abstractions and Polly, plus the assemblies their public signatures mention.
    /// </summary>
    private static IEnumerable<System.Reflection.Assembly> DataAccessAssemblies() =>
    [
        typeof(Npgsql.NpgsqlCommand).Assembly,
        typeof(Dapper.SqlMapper).Assembly,
        typeof(Microsoft.EntityFrameworkCore.DbContext).Assembly,
        typeof(Microsoft.EntityFrameworkCore.RelationalQueryableExtensions).Assembly,
        typeof(Microsoft.EntityFrameworkCore.DbFunctionAttribute).Assembly,
        typeof(Microsoft.Extensions.Caching.Distributed.IDistributedCache).Assembly,
        typeof(Microsoft.Extensions.Caching.Memory.MemoryCache).Assembly,
        typeof(Microsoft.Extensions.Primitives.StringValues).Assembly,
        typeof(Microsoft.Extensions.Options.IOptions<>).Assembly,
        typeof(Polly.Policy).Assembly,
        typeof(Polly.ResiliencePipeline).Assembly,
    ];

    private static string[] FrameworkReferencePaths()
    {
        // shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll → the SDK root holds packs/Microsoft.NETCore.App.Ref.
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var version = Path.GetFileName(runtimeDirectory);
        var root = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        var packs = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref");
        var pack = Directory.Exists(Path.Combine(packs, version))
            ? Path.Combine(packs, version)
            : Directory.Exists(packs) ? Directory.GetDirectories(packs).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault() : null;
        var refDirectory = pack is null ? null : Directory.GetDirectories(Path.Combine(pack, "ref")).FirstOrDefault();
        return refDirectory is null
            ? ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            : Directory.GetFiles(refDirectory, "*.dll");
    }
}
