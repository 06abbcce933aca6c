using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Nuzantara.Analyzers.Analysis.Sql;

namespace Nuzantara.Analyzers.Editing;

/// <summary>What the SQL fixes share: finding the flagged SQL again, and writing SQL names and clauses.</summary>
internal static class SqlFixes
{
    /// <summary>The body's SQL flow, read as the analyzer read it, and the site whose SQL expression is at <paramref name="span"/>.</summary>
    internal static (SqlFlow Flow, SqlSite Site)? SiteAt(SyntaxNode root, SemanticModel model, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var node = root.FindNode(span, getInnermostNodeForTie: true);
        var body = node.AncestorsAndSelf().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
        if (body is null || model.GetOperation(body, cancellationToken) is not { } operation)
        {
            return null;
        }

        var apis = SqlApis.Create(model.Compilation);
        var flow = SqlFlow.Build(operation, apis);
        var site = flow.Sites.FirstOrDefault(s => s.Sql.Syntax.Span == span);
        return site is null ? null : (flow, site);
    }

    /// <summary>The site whose SQL expression is at <paramref name="span"/>.</summary>
    internal static SqlSite? SiteAt(SqlFlow flow, Microsoft.CodeAnalysis.Text.TextSpan span)
        => flow.Sites.FirstOrDefault(s => s.Sql.Syntax.Span == span);

    /// <summary>
    /// Where a clause goes at the end of <paramref name="statement"/>, or before its <c>RETURNING</c> when
    /// <paramref name="beforeReturning"/>: just after the last token, so comments and the <c>;</c> stay after it.
    /// </summary>
    internal static int ClauseOffset(SqlText text, SqlStatement statement, bool beforeReturning)
    {
        if (!beforeReturning || statement.ReturningStart < 0)
        {
            return statement.End;
        }

        var end = statement.Start;
        foreach (var token in SqlTokenizer.Tokenize(text.Value))
        {
            if (token.End <= statement.ReturningStart && token.Start >= statement.Start)
            {
                end = token.End;
            }
        }

        return end;
    }

    /// <summary>A column or table name as SQL must write it: quoted when it is not a plain lower-case name.</summary>
    internal static string Name(string name)
    {
        var plain = name.Length > 0 && (char.IsLower(name[0]) || name[0] == '_')
            && name.All(c => char.IsLower(c) || char.IsDigit(c) || c is '_' or '$');
        return plain ? name : "\"" + name.Replace("\"", "\"\"") + "\"";
    }

    /// <summary>The indentation of the line <paramref name="node"/> starts on.</summary>
    internal static SyntaxTriviaList Indentation(SyntaxNode node)
    {
        var leading = node.GetLeadingTrivia();
        var whitespace = leading.Count > 0 ? leading[leading.Count - 1] : default;
        return whitespace.IsKind(SyntaxKind.WhitespaceTrivia) ? SyntaxFactory.TriviaList(whitespace) : SyntaxFactory.TriviaList();
    }

    /// <summary>The file's line ending.</summary>
    internal static SyntaxTrivia EndOfLine(SyntaxNode root)
    {
        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine : SyntaxFactory.LineFeed;
    }

    internal static string Join(IEnumerable<string> names)
    {
        var builder = new StringBuilder();
        foreach (var name in names)
        {
            builder.Append(builder.Length == 0 ? string.Empty : ", ").Append(Name(name));
        }

        return builder.ToString();
    }
}
