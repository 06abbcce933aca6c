using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers;
using Nuzantara.Analyzers.Editing;

namespace Nuzantara.Cli.Analysis;

/// <summary>
/// The NZ rules as shipped: every analyzer and code fix in the analyzer assemblies, found by reflection so that a new
/// rule needs no change here.
/// </summary>
internal sealed class RuleCatalog
{
    private readonly ImmutableDictionary<string, DiagnosticDescriptor> _rules;
    private readonly ImmutableDictionary<string, string> _names;

    private RuleCatalog(ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<CodeFixProvider> fixProviders, ImmutableDictionary<string, string> names)
    {
        Analyzers = analyzers;
        FixProviders = fixProviders;
        _names = names;
        _rules = analyzers
            .SelectMany(a => a.SupportedDiagnostics)
            .GroupBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>The catalog of the Nuzantara.Analyzers and Nuzantara.Analyzers.CodeFixes assemblies.</summary>
    public static RuleCatalog Nuzantara { get; } = Create(typeof(RuleIdentifiers).Assembly, typeof(DocumentFixProvider).Assembly);

    /// <summary>Every C# analyzer, one instance each.</summary>
    public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

    /// <summary>Every code fix provider, one instance each.</summary>
    public ImmutableArray<CodeFixProvider> FixProviders { get; }

    /// <summary>The rules' descriptors, by id.</summary>
    public IEnumerable<DiagnosticDescriptor> Rules => _rules.Values.OrderBy(d => d.Id, StringComparer.Ordinal);

    /// <summary>Builds a catalog from the analyzers and code fixes defined in the given assemblies.</summary>
    public static RuleCatalog Create(params Assembly[] assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var types = assemblies.Distinct().SelectMany(LoadableTypes).Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false } && t.GetConstructor(Type.EmptyTypes) is not null).ToList();
        var analyzers = types
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var fixes = types
            .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        // RuleIdentifiers names every id with a constant: LockWithoutTimeout = "NZ1001". SARIF's rule name comes from it.
        var names = assemblies
            .SelectMany(LoadableTypes)
            .Where(t => t.Name == nameof(RuleIdentifiers))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .GroupBy(f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
        return new RuleCatalog(analyzers, fixes, names);
    }

    /// <summary>Whether the catalog has a rule with this id.</summary>
    public bool Contains(string id) => _rules.ContainsKey(id);

    /// <summary>The descriptor of a rule, when the catalog has it.</summary>
    public DiagnosticDescriptor? Find(string id) => _rules.GetValueOrDefault(id);

    /// <summary>The rule's name as declared in <c>RuleIdentifiers</c>, such as <c>LockWithoutTimeout</c>.</summary>
    public string? GetName(string id) => _names.GetValueOrDefault(id);

    /// <summary>The code fixes that fix a rule.</summary>
    public IEnumerable<CodeFixProvider> FixersFor(string id) => FixProviders.Where(p => p.FixableDiagnosticIds.Contains(id, StringComparer.Ordinal));

    /// <summary>The analyzers that report at least one of the ids; all of them when <paramref name="ids"/> is empty.</summary>
    public ImmutableArray<DiagnosticAnalyzer> AnalyzersFor(IReadOnlyCollection<string> ids)
        => ids.Count == 0
            ? Analyzers
            : Analyzers.Where(a => a.SupportedDiagnostics.Any(d => ids.Contains(d.Id, StringComparer.Ordinal))).ToImmutableArray();

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            return exception.Types.OfType<Type>();
        }
    }
}
