using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace Nuzantara.Analyzers.Editing;

/// <summary>One way to fix one diagnostic: a title, a stable equivalence key, and the edit.</summary>
internal sealed class FixPlan
{
    internal FixPlan(string title, string equivalenceKey, System.Action<DocumentEditor> apply, params string[] imports)
    {
        Title = title;
        EquivalenceKey = equivalenceKey;
        Apply = apply;
        Imports = imports;
    }

    internal string Title { get; }

    /// <summary>Same key, same kind of fix: Fix All applies every plan with this key.</summary>
    internal string EquivalenceKey { get; }

    /// <summary>Records the edit; uses the editor's callback forms so that nested fixes compose.</summary>
    internal System.Action<DocumentEditor> Apply { get; }

    /// <summary>Namespaces the edit needs, added once per document when missing.</summary>
    internal string[] Imports { get; }

    /// <summary>
    /// Set when the edit rewrites more than its diagnostic's own code (a field and every use of it), so that several
    /// diagnostics plan the same edit: a Fix All pass then applies only the first plan with this key.
    /// </summary>
    internal string? DocumentWideKey { get; set; }
}

/// <summary>
/// Base of the code fixes: each diagnostic gets plans; Fix All applies every plan of one kind in a document in a single
/// editor pass, so edits that touch the same statements or add the same imports do not conflict.
/// </summary>
public abstract class DocumentFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => new FixAll(this);

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            foreach (var plan in Plan(diagnostic, root, model, context.Document, context.CancellationToken))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        plan.Title,
                        cancellationToken => ApplyAsync(context.Document, ImmutableArray.Create(diagnostic), plan.EquivalenceKey, cancellationToken),
                        plan.EquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>The ways to fix a diagnostic; none when its code has a shape the fix does not rewrite safely.</summary>
    internal abstract ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken);

    /// <summary>
    /// Runs once after every plan of a pass has recorded its edit, for fixes whose plans must see each other: several
    /// guarded spans sharing one inserted lock field, or merging when they overlap.
    /// </summary>
    internal virtual void Complete(DocumentEditor editor)
    {
    }

    private async Task<Document> ApplyAsync(Document document, ImmutableArray<Diagnostic> diagnostics, string? equivalenceKey, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var imports = new System.Collections.Generic.SortedSet<string>(System.StringComparer.Ordinal);
        var documentWide = new System.Collections.Generic.HashSet<string>(System.StringComparer.Ordinal);

        // Inner spans first, so that a fix inside another fix's statement is recorded before the outer one rebuilds it.
        foreach (var diagnostic in diagnostics.OrderByDescending(d => d.Location.SourceSpan.Start))
        {
            var plan = Plan(diagnostic, root, model, document, cancellationToken).FirstOrDefault(p => equivalenceKey is null || p.EquivalenceKey == equivalenceKey);
            if (plan is null || (plan.DocumentWideKey is { } key && !documentWide.Add(key)))
            {
                continue;
            }

            plan.Apply(editor);
            imports.UnionWith(plan.Imports);
        }

        Complete(editor);
        var changed = editor.GetChangedDocument();
        return imports.Count == 0 ? changed : await Imports.AddMissingAsync(changed, imports, cancellationToken).ConfigureAwait(false);
    }

    private sealed class FixAll : DocumentBasedFixAllProvider
    {
        private readonly DocumentFixProvider _provider;

        internal FixAll(DocumentFixProvider provider) => _provider = provider;

        protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
            => diagnostics.IsEmpty
                ? null
                : await _provider.ApplyAsync(document, diagnostics, fixAllContext.CodeActionEquivalenceKey, fixAllContext.CancellationToken).ConfigureAwait(false);
    }
}
