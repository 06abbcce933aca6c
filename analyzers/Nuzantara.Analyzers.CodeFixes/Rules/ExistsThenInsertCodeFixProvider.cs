using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Nuzantara.Analyzers.Editing;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3004: makes the <c>INSERT</c> safe against the concurrent insert of the same key, editing its literal in place
/// (before any <c>RETURNING</c>): <c>ON CONFLICT DO NOTHING</c> by default; as a second action, when the probe's key
/// columns are among the inserted ones, the upsert <c>ON CONFLICT (keys) DO UPDATE SET col = EXCLUDED.col, …</c>.
/// Not offered when the probe counts or aggregates (a capacity check, which <c>ON CONFLICT</c> does not express).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ExistsThenInsertCodeFixProvider))]
[Shared]
public sealed class ExistsThenInsertCodeFixProvider : DocumentFixProvider
{
    private const string DoNothingKey = "NZ3004.DoNothing";
    private const string DoUpdateKey = "NZ3004.DoUpdate";
    private static readonly char[] KeySeparator = [','];

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ExistsThenInsert);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (diagnostic.Properties.ContainsKey(ExistsThenInsertAnalyzer.AggregateProbeProperty)
            || !diagnostic.Properties.TryGetValue(ExistsThenInsertAnalyzer.StatementProperty, out var statementText)
            || !int.TryParse(statementText, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || SqlFixes.SiteAt(root, model, diagnostic.Location.SourceSpan, cancellationToken)?.Site is not { } site
            || index >= site.Statements.Length)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var insert = site.Statements[index];
        var offset = SqlFixes.ClauseOffset(site.Text, insert, beforeReturning: true);
        var plans = ImmutableArray.CreateBuilder<FixPlan>();
        if (SqlLiteralEdit.Insert(site.Text, offset, "ON CONFLICT DO NOTHING") is { } doNothing)
        {
            plans.Add(new FixPlan("Add ON CONFLICT DO NOTHING", DoNothingKey, editor => editor.ReplaceNode(doNothing.Original, doNothing.Replacement)));
        }

        var keys = (diagnostic.Properties.TryGetValue(ExistsThenInsertAnalyzer.KeyColumnsProperty, out var keyText) ? keyText ?? string.Empty : string.Empty)
            .Split(KeySeparator, StringSplitOptions.RemoveEmptyEntries);
        if (keys.Length > 0 && keys.All(insert.InsertColumns.Contains))
        {
            var updated = insert.InsertColumns.Where(c => !keys.Contains(c)).Distinct().ToList();
            var assignments = (updated.Count > 0 ? updated : keys.ToList()).Select(c => SqlFixes.Name(c) + " = EXCLUDED." + SqlFixes.Name(c));
            var clause = $"ON CONFLICT ({SqlFixes.Join(keys)}) DO UPDATE SET {string.Join(", ", assignments)}";
            if (SqlLiteralEdit.Insert(site.Text, offset, clause) is { } upsert)
            {
                plans.Add(new FixPlan($"Upsert: ON CONFLICT ({SqlFixes.Join(keys)}) DO UPDATE", DoUpdateKey, editor => editor.ReplaceNode(upsert.Original, upsert.Replacement)));
            }
        }

        return plans.ToImmutable();
    }
}
