using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Analysis.Sql;
using Nuzantara.Analyzers.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ3003: appends <c>FOR UPDATE</c> to the <c>SELECT</c>, editing its literal in place; when no transaction surrounds
/// the read and the write, also opens one around them — only for Npgsql commands created on one connection in one
/// block, which it can rewrite safely: <c>await using var tx = await conn.BeginTransactionAsync(ct);</c> before the
/// read, <c>tx</c> passed to the commands, <c>await tx.CommitAsync(ct);</c> after the last use of the write.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SelectThenUpdateCodeFixProvider))]
[Shared]
public sealed class SelectThenUpdateCodeFixProvider : DocumentFixProvider
{
    private const string ForUpdateKey = "NZ3003.ForUpdate";
    private const string TransactionKey = "NZ3003.Transaction";
    private static readonly string[] TransactionNames = ["tx", "transaction"];

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.SelectThenUpdate);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        var fix = diagnostic.Properties.TryGetValue(SelectThenUpdateAnalyzer.FixProperty, out var value) ? value : null;
        if (string.IsNullOrEmpty(fix)
            || !int.TryParse(diagnostic.Properties[SelectThenUpdateAnalyzer.StatementProperty], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || diagnostic.Properties[SelectThenUpdateAnalyzer.TableProperty] is not { } table
            || SqlFixes.SiteAt(root, model, diagnostic.Location.SourceSpan, cancellationToken) is not { } found
            || index >= found.Site.Statements.Length)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var (flow, read) = found;

        var lockEdit = fix == SelectThenUpdateAnalyzer.NewTransaction ? null : ForUpdate(read, read.Statements[index], table);
        if (fix != SelectThenUpdateAnalyzer.NewTransaction && lockEdit is null)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        if (fix == SelectThenUpdateAnalyzer.ForUpdate)
        {
            var (original, replacement) = lockEdit!.Value;
            return ImmutableArray.Create(new FixPlan("Lock the row with FOR UPDATE", ForUpdateKey, editor => editor.ReplaceNode(original, replacement)));
        }

        if (diagnostic.AdditionalLocations.Count != 1
            || SqlFixes.SiteAt(flow, diagnostic.AdditionalLocations[0].SourceSpan) is not { } write
            || Transaction.Plan(flow, read, write, model, root) is not { } transaction)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var title = lockEdit is null ? "Keep the row lock in a transaction" : "Lock the row with FOR UPDATE in a transaction";
        return ImmutableArray.Create(new FixPlan(title, TransactionKey, editor =>
        {
            if (lockEdit is { } edit)
            {
                editor.ReplaceNode(edit.Item1, edit.Item2);
            }

            transaction.Apply(editor);
        }));
    }

    /// <summary><c>FOR UPDATE</c> (or <c>FOR UPDATE OF t</c> when the <c>SELECT</c> joins) at the end of the statement.</summary>
    private static (ExpressionSyntax, ExpressionSyntax)? ForUpdate(SqlSite read, SqlStatement select, string table)
    {
        // PostgreSQL refuses FOR UPDATE with these, and on the nullable side of an outer join.
        if (select.HasAggregate || select.HasGroupBy || select.HasDistinct || select.HasSetOperation || select.HasWindow)
        {
            return null;
        }

        var topLevel = select.Sources.Where(t => t.IsTopLevel).ToList();
        var target = topLevel.FirstOrDefault(t => t.Reference == table);
        if (target is null || target.IsNullable)
        {
            return null;
        }

        var clause = topLevel.Count == 1 ? "FOR UPDATE" : "FOR UPDATE OF " + SqlFixes.Name(target.Reference);
        return SqlLiteralEdit.Insert(read.Text, SqlFixes.ClauseOffset(read.Text, select, beforeReturning: false), clause);
    }

    /// <summary>Opening a transaction around an Npgsql read and write, when their shape allows it.</summary>
    private sealed class Transaction
    {
        private readonly StatementSyntax _first;
        private readonly StatementSyntax _last;
        private readonly StatementSyntax _begin;
        private readonly StatementSyntax _commit;
        private readonly List<ObjectCreationExpressionSyntax> _creations;
        private readonly List<(StatementSyntax Declaration, string Command)> _assignments;
        private readonly string _name;

        private Transaction(StatementSyntax first, StatementSyntax last, StatementSyntax begin, StatementSyntax commit, List<ObjectCreationExpressionSyntax> creations, List<(StatementSyntax, string)> assignments, string name)
        {
            _first = first;
            _last = last;
            _begin = begin;
            _commit = commit;
            _creations = creations;
            _assignments = assignments;
            _name = name;
        }

        internal static Transaction? Plan(SqlFlow flow, SqlSite read, SqlSite write, SemanticModel model, SyntaxNode root)
        {
            if (flow.Regions.Count > 0
                || read.Api != SqlApi.NpgsqlCommand || write.Api != SqlApi.NpgsqlCommand
                || ConnectionOf(read, flow) is not { } connection
                || ConnectionOf(write, flow) is not { } writeConnection
                || !SymbolEqualityComparer.Default.Equals(connection.Symbol, writeConnection.Symbol)
                || SqlFlow.StatementOf(read.Operation) is not { Parent: BlockSyntax block } readStatement)
            {
                return null;
            }

            // The span starts where the read command is declared and ends with the last use of the write command.
            var first = Declaration(read, block) is { } declaration && declaration.SpanStart < readStatement.SpanStart ? declaration : readStatement;
            var lastUse = LastUse(write, flow);
            var last = block.Statements.FirstOrDefault(s => s.Span.Contains(lastUse.Span));
            if (last is null || last.SpanStart < first.SpanStart || LeavesEarly(last) || OpensLater(flow, connection.Symbol, first)
                || LeavesAfterAWrite(flow, block, first, last))
            {
                return null;
            }

            var name = TransactionNames.FirstOrDefault(n => !UsesName((SyntaxNode?)block.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault() ?? block, n));
            if (name is null)
            {
                return null;
            }

            var function = read.Operation.Syntax.Ancestors().FirstOrDefault(n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
            var isAsync = function switch
            {
                AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
                LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.AsyncKeyword),
                BaseMethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword),
                CompilationUnitSyntax unit => unit.DescendantNodes().OfType<AwaitExpressionSyntax>().Any(),
                _ => false,
            };
            var token = FixSyntax.CancellationToken(readStatement, model, null)?.ToString();
            var tokenArgument = token is null ? string.Empty : token;
            var endOfLine = SqlFixes.EndOfLine(root);
            var begin = ParseStatement(isAsync
                    ? $"await using var {name} = await {connection.Text}.BeginTransactionAsync({tokenArgument});"
                    : $"using var {name} = {connection.Text}.BeginTransaction();")
                .WithLeadingTrivia(SqlFixes.Indentation(first))
                .WithTrailingTrivia(endOfLine);
            var commit = ParseStatement(isAsync ? $"await {name}.CommitAsync({tokenArgument});" : $"{name}.Commit();")
                .WithLeadingTrivia(SqlFixes.Indentation(last))
                .WithTrailingTrivia(endOfLine);

            var creations = new List<ObjectCreationExpressionSyntax>();
            var assignments = new List<(StatementSyntax, string)>();
            foreach (var site in flow.Sites.Where(s => s.Api == SqlApi.NpgsqlCommand && s.Position >= first.SpanStart && s.Position < last.Span.End))
            {
                if (ConnectionOf(site, flow) is not { } used || !SymbolEqualityComparer.Default.Equals(used.Symbol, connection.Symbol)
                    || site.Transaction is not null || !flow.ContextOf(site).IsNone)
                {
                    continue;
                }

                if (site.Operation is IObjectCreationOperation { Syntax: ObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: 2 } arguments } creation }
                    && arguments.All(a => a.NameColon is null))
                {
                    creations.Add(creation);
                }
                else if (site.CommandLocal is { } command && Declaration(site, block) is { } commandDeclaration && commandDeclaration.SpanStart >= first.SpanStart
                    && !assignments.Any(a => a.Item2 == command.Name))
                {
                    assignments.Add((commandDeclaration, command.Name));
                }
            }

            return new Transaction(first, last, begin, commit, creations, assignments, name);
        }

        internal void Apply(DocumentEditor editor)
        {
            foreach (var creation in _creations)
            {
                editor.ReplaceNode(creation, (current, _) => ((ObjectCreationExpressionSyntax)current).AddArgumentListArguments(Argument(IdentifierName(_name))));
            }

            foreach (var (declaration, command) in _assignments)
            {
                editor.InsertAfter(declaration, ParseStatement($"{command}.Transaction = {_name};")
                    .WithLeadingTrivia(SqlFixes.Indentation(declaration))
                    .WithTrailingTrivia(_begin.GetTrailingTrivia()));
            }

            editor.InsertBefore(_first, _begin);
            editor.InsertAfter(_last, _commit);
        }

        /// <summary>The connection a command is created on, when it is a name (a local, parameter or field).</summary>
        private static (ISymbol Symbol, string Text)? ConnectionOf(SqlSite site, SqlFlow flow)
        {
            var connection = site.Connection;
            if (connection is null && site.CommandLocal is { } command
                && flow.Locals.SingleValue(command).WithoutConversions() is IInvocationOperation { TargetMethod.Name: "CreateCommand", Instance: { } instance })
            {
                connection = instance;
            }

            return connection.WithoutConversions() switch
            {
                ILocalReferenceOperation local => (local.Local, local.Syntax.ToString()),
                IParameterReferenceOperation parameter => (parameter.Parameter, parameter.Syntax.ToString()),
                IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => (field.Field, field.Syntax.ToString()),
                _ => null,
            };
        }

        /// <summary>The statement of <paramref name="block"/> that declares the site's command local.</summary>
        private static StatementSyntax? Declaration(SqlSite site, BlockSyntax block)
            => site.CommandLocal?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is { } declarator
                ? block.Statements.FirstOrDefault(s => s.Span.Contains(declarator.Span))
                : null;

        private static SyntaxNode LastUse(SqlSite write, SqlFlow flow)
        {
            var calls = write.CommandLocal is { } command ? flow.CallsOn(command) : Array.Empty<IInvocationOperation>();
            return calls.Count > 0 && calls[calls.Count - 1].Syntax.SpanStart > write.Operation.Syntax.SpanStart
                ? calls[calls.Count - 1].Syntax
                : write.Operation.Syntax;
        }

        /// <summary>A jump out of the last statement would skip the commit, and the transaction would roll the write back.</summary>
        private static bool LeavesEarly(StatementSyntax last)
            => last is ReturnStatementSyntax
                || last.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                    .Any(n => n is ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax or YieldStatementSyntax);

        /// <summary>
        /// Code that leaves the span after a write in it (a <c>return</c> or <c>throw</c> between an <c>INSERT</c> and the
        /// commit) would roll that write back once it runs in a transaction: the fix would change what is stored.
        /// </summary>
        private static bool LeavesAfterAWrite(SqlFlow flow, BlockSyntax block, StatementSyntax first, StatementSyntax last)
        {
            var span = block.Statements.Where(s => s.SpanStart >= first.SpanStart && s.SpanStart <= last.SpanStart);
            var jumps = span.SelectMany(s => s.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
                .Where(n => n is ReturnStatementSyntax or ThrowStatementSyntax or ThrowExpressionSyntax or BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax)
                .ToList();
            return jumps.Count > 0
                && flow.Sites.Any(site => site.Position >= first.SpanStart
                    && site.Statements.Any(statement => statement.IsWrite)
                    && jumps.Any(jump => jump.SpanStart > site.Position));
        }

        /// <summary>The connection is opened at or after the span's start: a transaction cannot begin before it.</summary>
        private static bool OpensLater(SqlFlow flow, ISymbol connection, StatementSyntax first)
            => flow.Invocations.Any(i => i.TargetMethod.Name is "Open" or "OpenAsync"
                && i.Syntax.SpanStart >= first.SpanStart
                && i.Instance.WithoutConversions() switch
                {
                    ILocalReferenceOperation local => SymbolEqualityComparer.Default.Equals(local.Local, connection),
                    IParameterReferenceOperation parameter => SymbolEqualityComparer.Default.Equals(parameter.Parameter, connection),
                    IFieldReferenceOperation field => SymbolEqualityComparer.Default.Equals(field.Field, connection),
                    _ => true,
                });

        private static bool UsesName(SyntaxNode scope, string name)
            => scope.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == name);
    }
}
