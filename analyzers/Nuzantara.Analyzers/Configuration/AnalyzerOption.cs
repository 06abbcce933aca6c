using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Nuzantara.Analyzers.Configuration;

/// <summary>An <c>.editorconfig</c> option declared once: its key, default and parser.</summary>
/// <typeparam name="T">The option's type.</typeparam>
internal sealed class AnalyzerOption<T>
{
    private readonly TryParse _parse;

    internal AnalyzerOption(string key, T defaultValue, TryParse parse)
    {
        Key = key;
        DefaultValue = defaultValue;
        _parse = parse;
    }

    internal delegate bool TryParse(string text, out T value);

    /// <summary>The key as written in <c>.editorconfig</c>, such as <c>NZ1001.allow_cancellation_token</c>.</summary>
    internal string Key { get; }

    internal T DefaultValue { get; }

    /// <summary>The value in force for a file; the default when unset or unreadable.</summary>
    internal T GetValue(AnalyzerConfigOptionsProvider provider, SyntaxTree tree)
        => provider.GetOptions(tree).TryGetValue(Key, out var text) && _parse(text.Trim(), out var value) ? value : DefaultValue;
}

/// <summary>Parsers shared by the options.</summary>
internal static class OptionParsers
{
    internal static bool Boolean(string text, out bool value) => bool.TryParse(text, out value);

    /// <summary>Reads <c>5s</c>, <c>500ms</c>, <c>2m</c>, a bare number of seconds, or a <see cref="TimeSpan"/> such as <c>00:00:05</c>.</summary>
    internal static bool Duration(string text, out TimeSpan value)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (text.EndsWith("ms", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text.Substring(0, text.Length - 2), NumberStyles.Float, invariant, out var milliseconds))
        {
            return Positive(TimeSpan.FromMilliseconds(milliseconds), out value);
        }

        if (text.EndsWith("s", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text.Substring(0, text.Length - 1), NumberStyles.Float, invariant, out var seconds))
        {
            return Positive(TimeSpan.FromSeconds(seconds), out value);
        }

        if (text.EndsWith("m", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text.Substring(0, text.Length - 1), NumberStyles.Float, invariant, out var minutes))
        {
            return Positive(TimeSpan.FromMinutes(minutes), out value);
        }

        if (double.TryParse(text, NumberStyles.Float, invariant, out var bare))
        {
            return Positive(TimeSpan.FromSeconds(bare), out value);
        }

        if (TimeSpan.TryParse(text, invariant, out var span))
        {
            return Positive(span, out value);
        }

        value = default;
        return false;
    }

    private static bool Positive(TimeSpan span, out TimeSpan value)
    {
        value = span;
        return span > TimeSpan.Zero;
    }

    /// <summary>Reads a comma-separated list of names, such as <c>Region, MyApp.Billing.Plan</c>.</summary>
    internal static bool Names(string text, out ImmutableArray<string> value)
    {
        value = text.Split(',').Select(name => name.Trim()).Where(name => name.Length > 0).ToImmutableArray();
        return true;
    }
}

/// <summary>Every option the rules read; each rule page lists its own.</summary>
internal static class RuleOptions
{
    /// <summary>NZ1001: a call that passes only a cancellation token counts as bounded.</summary>
    internal static readonly AnalyzerOption<bool> AllowCancellationToken =
        new("NZ1001.allow_cancellation_token", false, OptionParsers.Boolean);

    /// <summary>Types that count as shared (ARCHITECTURE §3, reason 5): comma-separated globs over simple or full type names.</summary>
    internal static readonly AnalyzerOption<ImmutableArray<string>> SharedTypes =
        new("nuzantara.shared_types", ImmutableArray<string>.Empty, OptionParsers.Names);

    /// <summary>NZ1001's code fix: the timeout it writes.</summary>
    internal static readonly AnalyzerOption<TimeSpan> DefaultTimeout =
        new("NZ1001.default_timeout", TimeSpan.FromSeconds(5), OptionParsers.Duration);

    /// <summary>NZ1004: key types with a small, fixed set of values, whose lock dictionaries cannot grow without bound.</summary>
    internal static readonly AnalyzerOption<ImmutableArray<string>> BoundedKeyTypes =
        new("NZ1004.bounded_key_types", ImmutableArray<string>.Empty, OptionParsers.Names);

    /// <summary>
    /// NZ3003, NZ3004: the isolation level of transactions that do not state one — the database's
    /// <c>default_transaction_isolation</c>: <c>read_committed</c> (PostgreSQL's default), <c>repeatable_read</c> or <c>serializable</c>.
    /// </summary>
    internal static readonly AnalyzerOption<Analysis.Sql.SqlIsolation> DefaultIsolationLevel =
        new("nuzantara.default_isolation_level", Analysis.Sql.SqlIsolation.ReadCommitted, Analysis.Sql.SqlIsolationNames.TryParse);
}
