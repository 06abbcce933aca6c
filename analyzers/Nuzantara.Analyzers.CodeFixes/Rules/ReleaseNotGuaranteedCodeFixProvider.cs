using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1003: restructures the code into acquire-then-<c>try/finally</c>. An acquisition inside the <c>try</c> moves to
/// just before it; statements between the acquisition and the <c>try</c> move into it; an unprotected pairing wraps the
/// statements between acquisition and release in <c>try { … } finally { release; }</c>. No fix when statements would
/// have to cross a scope that declares what they use, or when the release is not one statement of the same block.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReleaseNotGuaranteedCodeFixProvider))]
[Shared]
public sealed class ReleaseNotGuaranteedCodeFixProvider : DocumentFixProvider
{
    private const string Key = "NZ1003.TryFinally";

    private const string Title = "Acquire, then release in try/finally";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ReleaseNotGuaranteed);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || LockRegions.Around(invocation, model, LockApis.Create(model.Compilation), cancellationToken)?.StartedBy(invocation) is not { IsReleaseGuaranteed: false } region)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var plan = region.Kind == LockRegionKind.AcquiredInsideTry
            ? MoveBeforeTry(region, model)
            : MoveIntoTry(region, model) ?? WrapInTry(region, model);
        return plan is null ? ImmutableArray<FixPlan>.Empty : ImmutableArray.Create(plan);
    }

    /// <summary><c>try { acquire; … } finally { release; }</c> → <c>acquire; try { … } finally { release; }</c>.</summary>
    private static FixPlan? MoveBeforeTry(LockRegion region, SemanticModel model)
    {
        var acquire = region.Statement;

        // With a catch, moving the wait out would stop its exceptions being caught; a finally that also cleans up
        // something else would no longer run when the wait throws.
        if (acquire.Parent is not BlockSyntax { Parent: TryStatementSyntax { Catches.Count: 0, Finally.Block.Statements.Count: 1 } tryStatement } block
            || block.Statements[0] != acquire
            || !IsRelease(tryStatement.Finally!.Block.Statements[0], region)
            || !model.AnalyzeDataFlow(acquire)!.VariablesDeclared.IsEmpty)
        {
            return null;
        }

        return new FixPlan(Title, Key, editor =>
        {
            editor.RemoveNode(acquire, SyntaxRemoveOptions.KeepNoTrivia);
            editor.InsertBefore(tryStatement, acquire.WithAdditionalAnnotations(Formatter.Annotation));
            if (block.Statements.Count > 1)
            {
                // The blank line that separated the wait from the work would now open the try block.
                editor.ReplaceNode(block.Statements[1], (current, _) => current.WithLeadingTrivia(WithoutBlankLines(current.GetLeadingTrivia())));
            }
        });
    }

    /// <summary><c>acquire; statements; try { … } finally { release; }</c> → <c>acquire; try { statements; … } finally { release; }</c>.</summary>
    private static FixPlan? MoveIntoTry(LockRegion region, SemanticModel model)
    {
        if (region.FirstHeld is not { Parent: BlockSyntax block } first)
        {
            return null;
        }

        var start = block.Statements.IndexOf(first);
        var tryIndex = IndexOf(block.Statements, start, s => s is TryStatementSyntax { Finally: { } finallyClause } && region.Releases.All(r => finallyClause.Span.Contains(r.Invocation.Syntax.Span)));
        if (tryIndex <= start || block.Statements[tryIndex] is not TryStatementSyntax { Catches.Count: 0 } tryStatement)
        {
            // A catch would start catching what the moved statements throw.
            return null;
        }

        var moved = block.Statements.Skip(start).Take(tryIndex - start).ToList();
        if (!CanMove(moved, block, model, usesAllowedIn: tryStatement.Block))
        {
            return null;
        }

        return new FixPlan(Title, Key, editor => ReplaceRange(editor, block, first, tryStatement, range =>
        {
            var currentTry = (TryStatementSyntax)range[range.Count - 1];
            return currentTry
                .WithBlock(currentTry.Block.WithStatements(currentTry.Block.Statements.InsertRange(0, range.Take(range.Count - 1))))
                .WithLeadingTrivia(range[0].GetLeadingTrivia());
        }));
    }

    /// <summary><c>acquire; statements; release;</c> → <c>acquire; try { statements; } finally { release; }</c>.</summary>
    private static FixPlan? WrapInTry(LockRegion region, SemanticModel model)
    {
        if (region.Releases.Length != 1
            || region.FirstHeld is not { Parent: BlockSyntax block } first
            || region.Releases[0].Invocation.Syntax.Parent is not ExpressionStatementSyntax release
            || release.Parent != block)
        {
            return null;
        }

        var (start, end) = (block.Statements.IndexOf(first), block.Statements.IndexOf(release));
        if (end <= start || !CanMove(block.Statements.Skip(start).Take(end - start).ToList(), block, model, usesAllowedIn: null))
        {
            return null;
        }

        return new FixPlan(Title, Key, editor => ReplaceRange(editor, block, first, release, range =>
            TryStatement(
                    Block(range.Take(range.Count - 1).Select((s, i) => i == 0 ? s.WithoutLeadingTrivia() : s)),
                    default,
                    FinallyClause(Block(range[range.Count - 1].WithLeadingTrivia(WithoutBlankLines(range[range.Count - 1].GetLeadingTrivia())))))
                .WithLeadingTrivia(range[0].GetLeadingTrivia())));
    }

    /// <summary>
    /// Whether statements can move into a new block: no labels (a goto could not reach them), no <c>using</c>
    /// declarations (they would be disposed earlier), and nothing they declare is used outside them (except in
    /// <paramref name="usesAllowedIn"/>, the block they join).
    /// </summary>
    private static bool CanMove(List<StatementSyntax> statements, BlockSyntax block, SemanticModel model, SyntaxNode? usesAllowedIn)
    {
        if (statements.Any(s => s.DescendantNodesAndSelf().OfType<LabeledStatementSyntax>().Any()
            || s is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword }))
        {
            return false;
        }

        var declared = new HashSet<string>(
            model.AnalyzeDataFlow(statements[0], statements[statements.Count - 1])!.VariablesDeclared.Select(v => v.Name)
                .Concat(statements.OfType<LocalFunctionStatementSyntax>().Select(f => f.Identifier.Text)),
            System.StringComparer.Ordinal);
        return declared.Count == 0
            || !block.Statements
                .Where(s => !statements.Contains(s))
                .SelectMany(s => s.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
                .Any(name => declared.Contains(name.Identifier.Text) && (usesAllowedIn is null || !usesAllowedIn.Span.Contains(name.Span)));
    }

    private static SyntaxTriviaList WithoutBlankLines(SyntaxTriviaList trivia)
    {
        var blank = trivia.TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia) || t.IsKind(SyntaxKind.EndOfLineTrivia)).ToList();
        var lastLineEnd = blank.FindLastIndex(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return TriviaList(trivia.Skip(lastLineEnd + 1));
    }

    private static bool IsRelease(StatementSyntax statement, LockRegion region)
        => statement is ExpressionStatementSyntax { Expression: var expression } && region.Releases.Any(r => r.Invocation.Syntax == expression);

    private static int IndexOf(SyntaxList<StatementSyntax> statements, int start, System.Func<StatementSyntax, bool> predicate)
    {
        for (var i = start; i < statements.Count; i++)
        {
            if (predicate(statements[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Records the replacement of the statements from <paramref name="first"/> to <paramref name="last"/> by one
    /// statement built from them. The statements are found again in the block as earlier fixes left it (Fix All applies
    /// nested fixes first), through the editor's tracking, so the built statement includes those fixes.
    /// </summary>
    private static void ReplaceRange(DocumentEditor editor, BlockSyntax block, StatementSyntax first, StatementSyntax last, System.Func<IReadOnlyList<StatementSyntax>, StatementSyntax> build)
    {
        editor.TrackNode(first);
        editor.TrackNode(last);
        editor.ReplaceNode(block, (current, _) =>
        {
            var statements = ((BlockSyntax)current).Statements;
            var (from, to) = (IndexOfCurrent(statements, current, first), IndexOfCurrent(statements, current, last));
            if (from < 0 || to <= from)
            {
                return current;
            }

            var replacement = build(statements.Skip(from).Take(to - from + 1).ToList()).WithAdditionalAnnotations(Formatter.Annotation);
            return ((BlockSyntax)current).WithStatements(List(statements.Take(from).Append(replacement).Concat(statements.Skip(to + 1))));
        });
    }

    private static int IndexOfCurrent(SyntaxList<StatementSyntax> statements, SyntaxNode currentBlock, StatementSyntax original)
        => currentBlock.GetCurrentNode(original) is { } current ? statements.IndexOf(current) : -1;
}
