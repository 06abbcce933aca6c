using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Nuzantara.Analyzers.Analysis.Sql;

namespace Nuzantara.Analyzers.Editing;

/// <summary>
/// Inserts a SQL clause into the string literal that holds part of a statement, keeping the literal's style: regular,
/// verbatim or raw, single- or multi-line, plain or interpolated. The edit is checked by parsing the new literal and
/// comparing its value with the old one: when anything but the clause changed, there is no edit.
/// </summary>
internal static class SqlLiteralEdit
{
    /// <summary>
    /// The literal expression to replace and its replacement, with <paramref name="clause"/> inserted at
    /// <paramref name="offset"/> of <paramref name="text"/>'s value; null when that place is not in an editable literal.
    /// </summary>
    internal static (ExpressionSyntax Original, ExpressionSyntax Replacement)? Insert(SqlText text, int offset, string clause)
    {
        if (text.EditablePieceAt(offset) is not { } piece)
        {
            return null;
        }

        var (expression, token, style) = piece.Source switch
        {
            LiteralExpressionSyntax literal => ((ExpressionSyntax)literal, literal.Token, StyleOf(literal.Token)),
            InterpolatedStringTextSyntax { Parent: InterpolatedStringExpressionSyntax interpolated } segment
                => (interpolated, segment.TextToken, StyleOf(interpolated, segment)),
            _ => default,
        };
        if (expression is null || style is null)
        {
            return null;
        }

        var map = Map(token.Text, style);
        if (map is null || map.Length != piece.Length + 1)
        {
            return null;
        }

        var position = token.SpanStart + map[offset - piece.Start];
        var newLine = token.Text.Contains("\r\n") ? "\r\n" : "\n";
        var lineStart = token.Text.LastIndexOf('\n', Math.Max(0, position - token.SpanStart - 1));
        var inserted = style.Kind != LiteralKind.Regular && lineStart >= 0 && lineStart < position - token.SpanStart
            ? newLine + Indentation(token.Text, lineStart + 1) + clause
            : " " + clause;

        var source = expression.ToString();
        var edited = source.Insert(position - expression.SpanStart, inserted);
        var replacement = SyntaxFactory.ParseExpression(edited);
        if (replacement.ContainsDiagnostics || replacement.RawKind != expression.RawKind || replacement.ToString() != edited
            || !OnlyInserted(ValueOf(expression), ValueOf(replacement), clause))
        {
            return null;
        }

        return (expression, replacement.WithTriviaFrom(expression));
    }

    private enum LiteralKind
    {
        Regular,
        Verbatim,
        Raw,
    }

    private sealed class Style
    {
        internal Style(LiteralKind kind, bool interpolated, bool wholeToken, string? indentation, bool startsAtLineStart)
        {
            Kind = kind;
            Interpolated = interpolated;
            WholeToken = wholeToken;
            Indentation = indentation;
            StartsAtLineStart = startsAtLineStart;
        }

        internal LiteralKind Kind { get; }

        internal bool Interpolated { get; }

        /// <summary>The token holds the delimiters too (a string literal), not only text (an interpolated text part).</summary>
        internal bool WholeToken { get; }

        /// <summary>For multi-line raw strings: the whitespace removed from the start of each line.</summary>
        internal string? Indentation { get; }

        internal bool StartsAtLineStart { get; }
    }

    private static Style? StyleOf(SyntaxToken token)
        => token.Kind() switch
        {
            SyntaxKind.StringLiteralToken => new Style(token.Text.StartsWith("@", StringComparison.Ordinal) ? LiteralKind.Verbatim : LiteralKind.Regular, false, true, null, false),
            SyntaxKind.SingleLineRawStringLiteralToken => new Style(LiteralKind.Raw, false, true, null, false),
            SyntaxKind.MultiLineRawStringLiteralToken => new Style(LiteralKind.Raw, false, true, RawIndentation(token.Text), true),
            _ => null,
        };

    private static Style? StyleOf(InterpolatedStringExpressionSyntax interpolated, InterpolatedStringTextSyntax segment)
    {
        var index = interpolated.Contents.IndexOf(segment);
        return interpolated.StringStartToken.Kind() switch
        {
            SyntaxKind.InterpolatedStringStartToken => new Style(LiteralKind.Regular, true, false, null, false),
            SyntaxKind.InterpolatedVerbatimStringStartToken => new Style(LiteralKind.Verbatim, true, false, null, false),
            SyntaxKind.InterpolatedSingleLineRawStringStartToken => new Style(LiteralKind.Raw, true, false, null, false),
            SyntaxKind.InterpolatedMultiLineRawStringStartToken => new Style(LiteralKind.Raw, true, false, RawIndentation(interpolated.StringEndToken.Text), index == 0),
            _ => null,
        };
    }

    /// <summary>The whitespace before the closing quotes of a multi-line raw string.</summary>
    private static string RawIndentation(string text)
    {
        var lastNewLine = text.LastIndexOf('\n');
        var quotes = text.Length;
        while (quotes > 0 && text[quotes - 1] == '"')
        {
            quotes--;
        }

        return lastNewLine < 0 ? string.Empty : text.Substring(lastNewLine + 1, quotes - lastNewLine - 1);
    }

    /// <summary>For each character of the token's value, where it starts in the token's text; one more entry for the end.</summary>
    private static int[]? Map(string text, Style style)
    {
        var (start, end) = ContentBounds(text, style);
        if (start > end)
        {
            return null;
        }

        var map = new List<int>();
        if (style.Kind == LiteralKind.Raw && style.Indentation is { } indentation)
        {
            MapRawLines(text, start, end, indentation, style.StartsAtLineStart, map);
        }
        else
        {
            for (var i = start; i < end;)
            {
                var length = EncodedLength(text, i, end, style, out var characters);
                for (var c = 0; c < characters; c++)
                {
                    map.Add(i);
                }

                i += length;
            }
        }

        map.Add(end);
        return map.ToArray();
    }

    private static (int Start, int End) ContentBounds(string text, Style style)
    {
        if (!style.WholeToken)
        {
            return (0, text.Length);
        }

        switch (style.Kind)
        {
            case LiteralKind.Regular:
                return (1, text.Length - 1);
            case LiteralKind.Verbatim:
                return (2, text.Length - 1);
            default:
                var quotes = 0;
                while (quotes < text.Length && text[quotes] == '"')
                {
                    quotes++;
                }

                if (style.Indentation is null)
                {
                    return (quotes, text.Length - quotes);
                }

                // Multi-line: the content starts after the opening line and ends before the newline of the closing line.
                var first = text.IndexOf('\n') + 1;
                var last = text.LastIndexOf('\n');
                last = last > 0 && text[last - 1] == '\r' ? last - 1 : last;
                return (first, last);
        }
    }

    private static void MapRawLines(string text, int start, int end, string indentation, bool startsAtLineStart, List<int> map)
    {
        var atLineStart = startsAtLineStart;
        for (var i = start; i < end;)
        {
            if (atLineStart)
            {
                var lineEnd = text.IndexOf('\n', i);
                lineEnd = lineEnd < 0 || lineEnd > end ? end : lineEnd;
                var line = text.Substring(i, lineEnd - i).TrimEnd('\r');
                if (line.Trim().Length == 0)
                {
                    // A blank line contributes nothing but its line break.
                    i += line.Length;
                }
                else if (line.StartsWith(indentation, StringComparison.Ordinal))
                {
                    i += indentation.Length;
                }

                atLineStart = false;
                continue;
            }

            map.Add(i);
            atLineStart = text[i] == '\n';
            i++;
        }
    }

    /// <summary>How many text characters encode the next value character(s) of a regular or verbatim literal.</summary>
    private static int EncodedLength(string text, int i, int end, Style style, out int characters)
    {
        characters = 1;
        var c = text[i];
        var next = i + 1 < end ? text[i + 1] : '\0';
        if (style.Interpolated && c is '{' or '}' && next == c && style.Kind != LiteralKind.Raw)
        {
            return 2;
        }

        if (style.Kind == LiteralKind.Verbatim && c == '"' && next == '"')
        {
            return 2;
        }

        if (style.Kind != LiteralKind.Regular || c != '\\')
        {
            return 1;
        }

        switch (next)
        {
            case 'x':
                var hex = 0;
                while (hex < 4 && i + 2 + hex < end && Uri.IsHexDigit(text[i + 2 + hex]))
                {
                    hex++;
                }

                return 2 + hex;
            case 'u':
                return 6;
            case 'U':
                characters = i + 10 <= end && int.TryParse(text.Substring(i + 2, 8), System.Globalization.NumberStyles.HexNumber, null, out var code) && code > 0xFFFF ? 2 : 1;
                return 10;
            default:
                return 2;
        }
    }

    private static string Indentation(string text, int lineStart)
    {
        var end = lineStart;
        while (end < text.Length && text[end] is ' ' or '\t')
        {
            end++;
        }

        return text.Substring(lineStart, end - lineStart);
    }

    /// <summary>The literal's value, with a marker for each interpolation hole.</summary>
    private static string ValueOf(ExpressionSyntax expression) => expression switch
    {
        LiteralExpressionSyntax literal => literal.Token.ValueText,
        InterpolatedStringExpressionSyntax interpolated => string.Concat(interpolated.Contents.Select(c => c is InterpolatedStringTextSyntax text ? text.TextToken.ValueText : "\0" + c + "\0")),
        _ => string.Empty,
    };

    /// <summary>The new value is the old one with whitespace and the clause inserted at one place, and nothing else changed.</summary>
    private static bool OnlyInserted(string before, string after, string clause)
    {
        var prefix = 0;
        while (prefix < before.Length && prefix < after.Length && before[prefix] == after[prefix])
        {
            prefix++;
        }

        var insertedLength = after.Length - before.Length;
        if (insertedLength <= 0 || !after.EndsWith(before.Substring(prefix), StringComparison.Ordinal))
        {
            return false;
        }

        var inserted = after.Substring(prefix, insertedLength);
        return SqlReader.Collapse(inserted) == clause || SqlReader.Collapse(inserted) == SqlReader.Collapse(" " + clause);
    }
}
