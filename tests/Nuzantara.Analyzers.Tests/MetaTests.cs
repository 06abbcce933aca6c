using System.Composition;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Nuzantara.Analyzers.Rules;

namespace Nuzantara.Analyzers.Tests;

/// <summary>Checks over the whole analyzer assemblies: docs, release tracking, tests and exports for every rule.</summary>
public sealed partial class MetaTests
{
    private static readonly Assembly Analyzers = typeof(LockWithoutTimeoutAnalyzer).Assembly;
    private static readonly Assembly CodeFixes = typeof(LockWithoutTimeoutCodeFixProvider).Assembly;

    public static TheoryData<string> AnalyzerTypes => [.. Analyzers.GetTypes().Where(IsAnalyzer).Select(t => t.Name)];

    public static TheoryData<string> CodeFixTypes => [.. CodeFixes.GetTypes().Where(IsCodeFix).Select(t => t.Name)];

    public static TheoryData<string> RuleIds => [.. Descriptors().Select(d => d.Id).Distinct()];

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void EveryRule_HasAHelpLink_ToItsOwnPage_WhichExists(string id)
    {
        var descriptor = Descriptors().First(d => d.Id == id);

        Assert.Equal(RuleIdentifiers.GetHelpUri(id), descriptor.HelpLinkUri);
        Assert.EndsWith($"docs/rules/{id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        var page = Path.Combine(AppContext.BaseDirectory, "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"docs/rules/{id}.md is missing");
        var text = File.ReadAllText(page);
        foreach (var section in new[] { "## Non-compliant code", "## Compliant code", "## Code fix", "## Options", "## When to suppress" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void EveryRule_HasAReleaseTrackingRow_WithItsCategoryAndSeverity(string id)
    {
        var descriptor = Descriptors().First(d => d.Id == id);
        var releases = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "releases"), "AnalyzerReleases.*.md").Select(File.ReadAllText);

        var row = releases.SelectMany(text => text.Split('\n')).FirstOrDefault(line => line.StartsWith(id + " ", StringComparison.Ordinal));

        Assert.NotNull(row);
        var cells = row.Split('|').Select(cell => cell.Trim()).ToArray();
        Assert.Equal(descriptor.Category, cells[1]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), cells[2]);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void EveryRuleId_IsNamedInRuleIdentifiers(string id)
    {
        var constants = typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!);

        Assert.Contains(id, constants);
        Assert.Matches(RuleIdPattern(), id);
    }

    [Fact]
    public void EveryIdInRuleIdentifiers_IsReportedBySomeAnalyzer()
    {
        var reported = Descriptors().Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var declared = typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!);

        Assert.All(declared, id => Assert.Contains(id, reported));
    }

    [Theory]
    [MemberData(nameof(AnalyzerTypes))]
    public void EveryAnalyzer_HasATestClass_AndSupportsConcurrentExecution(string analyzer)
    {
        var tests = typeof(MetaTests).Assembly.GetTypes().Select(t => t.Name);

        Assert.Contains(analyzer + "Tests", tests);
        Assert.NotNull(Analyzers.GetType("Nuzantara.Analyzers.Rules." + analyzer)!.GetCustomAttribute<DiagnosticAnalyzerAttribute>());
    }

    [Theory]
    [MemberData(nameof(CodeFixTypes))]
    public void EveryCodeFix_IsExported_UnderItsTypeName_AndShared(string codeFix)
    {
        var type = CodeFixes.GetTypes().First(t => t.Name == codeFix);

        var export = type.GetCustomAttribute<ExportCodeFixProviderAttribute>();
        Assert.NotNull(export);
        Assert.Equal(codeFix, export.Name);
        Assert.Contains(LanguageNames.CSharp, export.Languages);
        Assert.NotNull(type.GetCustomAttribute<SharedAttribute>());
        Assert.True(type.IsSealed);
    }

    [Theory]
    [MemberData(nameof(CodeFixTypes))]
    public void EveryCodeFix_FixesOnlyKnownRules_AndSupportsFixAll(string codeFix)
    {
        var provider = (CodeFixProvider)Activator.CreateInstance(CodeFixes.GetTypes().First(t => t.Name == codeFix))!;

        Assert.NotEmpty(provider.FixableDiagnosticIds);
        Assert.All(provider.FixableDiagnosticIds, id => Assert.Contains(id, Descriptors().Select(d => d.Id)));
        Assert.NotNull(provider.GetFixAllProvider());
    }

    private static bool IsAnalyzer(Type type) => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type);

    private static bool IsCodeFix(Type type) => !type.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(type);

    private static IEnumerable<DiagnosticDescriptor> Descriptors()
        => Analyzers.GetTypes().Where(IsAnalyzer).SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics);

    [GeneratedRegex("^NZ[1-4][0-9]{3}$")]
    private static partial Regex RuleIdPattern();
}
