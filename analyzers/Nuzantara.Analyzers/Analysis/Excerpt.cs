using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>Quotes code in diagnostic messages: one line, compound statements by their header, long code shortened.</summary>
internal static class Excerpt
{
    private const int MaxLength = 80;

    private static readonly Regex Whitespace = new(@"\s+", RegexOptions.CultureInvariant);

    /// <summary><c>_gate.Release();</c>, <c>await _store.SaveAsync(ct)</c>, <c>if (_cache.TryGetValue(key, out var hit))</c>.</summary>
    internal static string Of(SyntaxNode node)
    {
        var closeParen = node switch
        {
            IfStatementSyntax statement => statement.CloseParenToken,
            WhileStatementSyntax statement => statement.CloseParenToken,
            ForStatementSyntax statement => statement.CloseParenToken,
            CommonForEachStatementSyntax statement => statement.CloseParenToken,
            UsingStatementSyntax statement => statement.CloseParenToken,
            LockStatementSyntax statement => statement.CloseParenToken,
            SwitchStatementSyntax statement => statement.CloseParenToken,
            _ => default,
        };
        var text = closeParen.RawKind == 0 || closeParen.IsMissing
            ? node.ToString()
            : node.ToString().Substring(0, closeParen.Span.End - node.SpanStart);
        text = Whitespace.Replace(text, " ");
        return text.Length <= MaxLength ? text : text.Substring(0, MaxLength - 1).TrimEnd() + "…";
    }
}
