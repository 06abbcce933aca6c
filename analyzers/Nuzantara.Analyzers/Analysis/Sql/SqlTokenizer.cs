using System.Collections.Immutable;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>What a SQL token is.</summary>
internal enum SqlTokenKind
{
    /// <summary>A keyword or an unquoted identifier; its value is lower-cased, as PostgreSQL folds it.</summary>
    Word,

    /// <summary><c>"Name"</c> or <c>`name`</c>; its value is the name without quotes.</summary>
    QuotedIdentifier,

    /// <summary><c>'text'</c>, <c>E'…'</c>, <c>$$…$$</c>, <c>$tag$…$tag$</c>.</summary>
    String,

    Number,

    /// <summary><c>@name</c>, <c>:name</c>, <c>$1</c> or <c>{0}</c> (EF Core's <c>FromSqlRaw</c> format items).</summary>
    Parameter,

    /// <summary>Anything else: <c>(</c>, <c>)</c>, <c>,</c>, <c>;</c>, <c>.</c>, <c>::</c> and operators.</summary>
    Punctuation,
}

/// <summary>One SQL token with its place in the text.</summary>
internal readonly struct SqlToken
{
    internal SqlToken(SqlTokenKind kind, string value, int start, int end)
    {
        Kind = kind;
        Value = value;
        Start = start;
        End = end;
    }

    internal SqlTokenKind Kind { get; }

    /// <summary>Lower-cased for words, unquoted for quoted identifiers, the text itself otherwise.</summary>
    internal string Value { get; }

    internal int Start { get; }

    /// <summary>Just past the token's last character.</summary>
    internal int End { get; }

    internal bool IsWord(string word) => Kind == SqlTokenKind.Word && Value == word;

    internal bool IsPunctuation(string text) => Kind == SqlTokenKind.Punctuation && Value == text;

    /// <summary>A name of a table or column: an unquoted word or a quoted identifier.</summary>
    internal bool IsName => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier;

    public override string ToString() => Value;
}

/// <summary>
/// Splits SQL into tokens, skipping whitespace and comments (<c>--</c> to the end of the line, nested <c>/* */</c>).
/// Never throws: unterminated strings, identifiers and comments run to the end of the text.
/// </summary>
internal static class SqlTokenizer
{
    internal static ImmutableArray<SqlToken> Tokenize(string sql)
    {
        var tokens = ImmutableArray.CreateBuilder<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = At(sql, i + 1);
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && next == '-')
            {
                i = sql.IndexOf('\n', i) is var newline and >= 0 ? newline + 1 : sql.Length;
            }
            else if (c == '/' && next == '*')
            {
                i = BlockCommentEnd(sql, i);
            }
            else if (c == '\'')
            {
                i = Add(tokens, SqlTokenKind.String, sql, i, QuotedEnd(sql, i, '\'', backslashEscapes: false));
            }
            else if (c is 'e' or 'E' && next == '\'')
            {
                i = Add(tokens, SqlTokenKind.String, sql, i, QuotedEnd(sql, i + 1, '\'', backslashEscapes: true));
            }
            else if (c is 'n' or 'N' or 'b' or 'B' or 'x' or 'X' && next == '\'')
            {
                i = Add(tokens, SqlTokenKind.String, sql, i, QuotedEnd(sql, i + 1, '\'', backslashEscapes: false));
            }
            else if (c is 'u' or 'U' && next == '&' && At(sql, i + 2) == '\'')
            {
                i = Add(tokens, SqlTokenKind.String, sql, i, QuotedEnd(sql, i + 2, '\'', backslashEscapes: false));
            }
            else if (c is '"' or '`')
            {
                var end = QuotedEnd(sql, i, c, backslashEscapes: false);
                var inner = sql.Substring(i + 1, Math.Max(0, end - i - 2)).Replace(new string(c, 2), c.ToString());
                tokens.Add(new SqlToken(SqlTokenKind.QuotedIdentifier, c == '`' ? inner.ToLowerInvariant() : inner, i, end));
                i = end;
            }
            else if (c == '$' && char.IsDigit(next))
            {
                i = Add(tokens, SqlTokenKind.Parameter, sql, i, WhileDigit(sql, i + 1));
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = Add(tokens, SqlTokenKind.String, sql, i, close < 0 ? sql.Length : close + tag.Length);
            }
            else if (c is '@' or ':' && IsWordStart(next) && !(c == ':' && At(sql, i - 1) == ':'))
            {
                i = Add(tokens, SqlTokenKind.Parameter, sql, i, WhileWord(sql, i + 1));
            }
            else if (c == '{' && char.IsDigit(next) && WhileDigit(sql, i + 1) is var close && At(sql, close) == '}')
            {
                i = Add(tokens, SqlTokenKind.Parameter, sql, i, close + 1);
            }
            else if (IsWordStart(c))
            {
                var end = WhileWord(sql, i + 1);
                tokens.Add(new SqlToken(SqlTokenKind.Word, sql.Substring(i, end - i).ToLowerInvariant(), i, end));
                i = end;
            }
            else if (char.IsDigit(c) || (c == '.' && char.IsDigit(next)))
            {
                i = Add(tokens, SqlTokenKind.Number, sql, i, NumberEnd(sql, i));
            }
            else
            {
                var two = i + 1 < sql.Length ? sql.Substring(i, 2) : string.Empty;
                var length = two is "::" or "<=" or ">=" or "<>" or "!=" or "||" or "->" ? 2 : 1;
                i = Add(tokens, SqlTokenKind.Punctuation, sql, i, i + length);
            }
        }

        return tokens.ToImmutable();
    }

    private static int Add(ImmutableArray<SqlToken>.Builder tokens, SqlTokenKind kind, string sql, int start, int end)
    {
        tokens.Add(new SqlToken(kind, sql.Substring(start, end - start), start, end));
        return end;
    }

    private static char At(string sql, int index) => index >= 0 && index < sql.Length ? sql[index] : '\0';

    private static bool IsWordStart(char c) => char.IsLetter(c) || c == '_';

    private static int WhileWord(string sql, int i)
    {
        while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
        {
            i++;
        }

        return i;
    }

    private static int WhileDigit(string sql, int i)
    {
        while (i < sql.Length && char.IsDigit(sql[i]))
        {
            i++;
        }

        return i;
    }

    private static int NumberEnd(string sql, int i)
    {
        i = WhileDigit(sql, i);
        if (At(sql, i) == '.')
        {
            i = WhileDigit(sql, i + 1);
        }

        if (At(sql, i) is 'e' or 'E' && (char.IsDigit(At(sql, i + 1)) || (At(sql, i + 1) is '+' or '-' && char.IsDigit(At(sql, i + 2)))))
        {
            i = WhileDigit(sql, i + 2);
        }

        return i;
    }

    /// <summary>Just past the closing quote; a doubled quote is part of the text.</summary>
    private static int QuotedEnd(string sql, int open, char quote, bool backslashEscapes)
    {
        for (var i = open + 1; i < sql.Length; i++)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i++;
            }
            else if (sql[i] == quote)
            {
                if (At(sql, i + 1) != quote)
                {
                    return i + 1;
                }

                i++;
            }
        }

        return sql.Length;
    }

    private static int BlockCommentEnd(string sql, int open)
    {
        var depth = 0;
        for (var i = open; i < sql.Length - 1; i++)
        {
            if (sql[i] == '/' && sql[i + 1] == '*')
            {
                depth++;
                i++;
            }
            else if (sql[i] == '*' && sql[i + 1] == '/')
            {
                depth--;
                i++;
                if (depth == 0)
                {
                    return i + 1;
                }
            }
        }

        return sql.Length;
    }

    /// <summary><c>$$</c> or <c>$tag$</c> opening a dollar-quoted string; null for anything else.</summary>
    private static string? DollarTag(string sql, int i)
    {
        var end = i + 1;
        if (IsWordStart(At(sql, end)))
        {
            end = WhileWord(sql, end);
            // WhileWord accepts '$' inside words; the tag ends at the first one.
            var dollar = sql.IndexOf('$', i + 1);
            end = dollar >= 0 && dollar < end ? dollar : end;
        }

        return At(sql, end) == '$' ? sql.Substring(i, end - i + 1) : null;
    }
}
