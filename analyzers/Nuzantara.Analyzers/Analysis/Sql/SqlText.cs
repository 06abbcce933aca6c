using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>A run of the SQL text and the source it came from.</summary>
internal readonly struct SqlPiece
{
    internal SqlPiece(int start, int length, SyntaxNode? source)
    {
        Start = start;
        Length = length;
        Source = source;
    }

    /// <summary>Offset of the run in <see cref="SqlText.Value"/>.</summary>
    internal int Start { get; }

    internal int Length { get; }

    internal int End => Start + Length;

    /// <summary>
    /// The string literal (<see cref="LiteralExpressionSyntax"/>) or interpolated text
    /// (<see cref="InterpolatedStringTextSyntax"/>) a code fix may edit to change this run; null when the run comes from
    /// a constant declared elsewhere, a placeholder for a parameter, or a literal whose value other code also reads.
    /// </summary>
    internal SyntaxNode? Source { get; }
}

/// <summary>The SQL a data-access call receives, when it is known at compile time, with where each part came from.</summary>
internal sealed class SqlText
{
    private ImmutableArray<SqlStatement> _statements;

    internal SqlText(string value, ImmutableArray<SqlPiece> pieces)
    {
        Value = value;
        Pieces = pieces;
    }

    internal string Value { get; }

    internal ImmutableArray<SqlPiece> Pieces { get; }

    internal ImmutableArray<SqlStatement> Statements
        => _statements.IsDefault ? _statements = SqlReader.Read(Value) : _statements;

    /// <summary>The editable piece holding <paramref name="offset"/> (a piece's end counts as inside it), if any.</summary>
    internal SqlPiece? EditablePieceAt(int offset)
    {
        foreach (var piece in Pieces)
        {
            if (piece.Source is not null && piece.Start <= offset && offset <= piece.End)
            {
                return piece;
            }
        }

        return null;
    }
}

/// <summary>
/// Reads the SQL text of an expression when it is known at compile time: string literals (regular, verbatim, raw),
/// constants, single-assignment locals and <c>static readonly</c> fields initialised with such text, concatenations of
/// those, and interpolated strings — whose holes become placeholders (<c>@p0</c>, <c>@p1</c>…) when the API turns
/// them into parameters (<see cref="FormattableString"/>), and must be constants otherwise. Anything else is not SQL
/// the rules can read, and <see cref="Read"/> returns null rather than a guess.
/// </summary>
internal static class SqlTextReader
{
    internal static SqlText? Read(IOperation? operation, LocalValues locals, bool holesAreParameters)
    {
        var builder = new Builder(locals, holesAreParameters);
        return operation is not null && builder.Append(operation, editable: true) ? builder.ToText() : null;
    }

    private sealed class Builder
    {
        private readonly LocalValues _locals;
        private readonly bool _holesAreParameters;
        private readonly StringBuilder _text = new();
        private readonly ImmutableArray<SqlPiece>.Builder _pieces = ImmutableArray.CreateBuilder<SqlPiece>();
        private readonly HashSet<ILocalSymbol> _visiting = new(SymbolEqualityComparer.Default);
        private int _holes;

        internal Builder(LocalValues locals, bool holesAreParameters)
        {
            _locals = locals;
            _holesAreParameters = holesAreParameters;
        }

        internal SqlText ToText() => new(_text.ToString(), _pieces.ToImmutable());

        internal bool Append(IOperation operation, bool editable)
        {
            operation = operation.WithoutConversions()!;
            switch (operation)
            {
                case IInterpolatedStringOperation interpolated:
                    return AppendInterpolated(interpolated, editable);
                case { ConstantValue: { HasValue: true, Value: string constant } }:
                    Add(constant, editable && IsStringLiteral(operation.Syntax) ? operation.Syntax : null);
                    return true;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add, Type.SpecialType: SpecialType.System_String } concatenation:
                    return Append(concatenation.LeftOperand, editable) && Append(concatenation.RightOperand, editable);
                case ILocalReferenceOperation { Local: var local } when _locals.SingleValue(local) is { } value && _visiting.Add(local):
                    // The literal may be edited only when this is its one use: other commands read the same text.
                    var appended = Append(value, editable && _locals.Reads(local) == 1);
                    _visiting.Remove(local);
                    return appended;
                case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } field }:
                    return ReadOnlyField(field) is { } text && Add(text, null);
                default:
                    return false;
            }
        }

        private bool AppendInterpolated(IInterpolatedStringOperation interpolated, bool editable)
        {
            foreach (var part in interpolated.Parts)
            {
                switch (part)
                {
                    case IInterpolatedStringTextOperation { Text.ConstantValue.Value: string text }:
                        Add(text, editable ? part.Syntax : null);
                        break;
                    case IInterpolationOperation hole when _holesAreParameters:
                        Add("@p" + _holes++.ToString(CultureInfo.InvariantCulture), null);
                        break;
                    case IInterpolationOperation { Alignment: null, FormatString: null, Expression.ConstantValue: { HasValue: true, Value: { } constant } }:
                        Add(Convert.ToString(constant, CultureInfo.InvariantCulture) ?? string.Empty, null);
                        break;
                    default:
                        return false;
                }
            }

            return true;
        }

        private bool Add(string text, SyntaxNode? source)
        {
            _pieces.Add(new SqlPiece(_text.Length, text.Length, source));
            _text.Append(text);
            return true;
        }

        private static bool IsStringLiteral(SyntaxNode syntax)
            => syntax is LiteralExpressionSyntax literal && literal.Token.Kind() is SyntaxKind.StringLiteralToken or SyntaxKind.SingleLineRawStringLiteralToken or SyntaxKind.MultiLineRawStringLiteralToken;

        /// <summary>A <c>static readonly</c> string field initialised with literals (and their concatenation).</summary>
        private static string? ReadOnlyField(IFieldSymbol field)
        {
            if (field.Type.SpecialType != SpecialType.System_String
                || field.DeclaringSyntaxReferences.Length != 1
                || field.DeclaringSyntaxReferences[0].GetSyntax() is not VariableDeclaratorSyntax { Initializer.Value: var value })
            {
                return null;
            }

            return LiteralText(value);
        }

        private static string? LiteralText(ExpressionSyntax expression) => expression switch
        {
            LiteralExpressionSyntax literal when IsStringLiteral(literal) => literal.Token.ValueText,
            ParenthesizedExpressionSyntax parenthesized => LiteralText(parenthesized.Expression),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } add
                when LiteralText(add.Left) is { } left && LiteralText(add.Right) is { } right => left + right,
            _ => null,
        };
    }
}

/// <summary>Which locals of one body hold a single value: declared with an initializer and never written again.</summary>
internal sealed class LocalValues
{
    private readonly Dictionary<ILocalSymbol, IOperation> _initializers = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ILocalSymbol> _written = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, int> _reads = new(SymbolEqualityComparer.Default);

    internal static readonly LocalValues Empty = new();

    /// <summary>Records one operation of the body; call it for every operation, in any order.</summary>
    internal void Visit(IOperation operation)
    {
        switch (operation)
        {
            case IVariableDeclaratorOperation { Initializer.Value: var value, Symbol: var declared }:
                _initializers[declared] = value;
                break;
            case ILocalReferenceOperation reference when IsWritten(reference):
                _written.Add(reference.Local);
                break;
            case ILocalReferenceOperation reference:
                _reads[reference.Local] = Reads(reference.Local) + 1;
                break;
        }
    }

    /// <summary>The value the local always holds, when it has one.</summary>
    internal IOperation? SingleValue(ILocalSymbol local)
        => !_written.Contains(local) && _initializers.TryGetValue(local, out var value) ? value : null;

    internal int Reads(ILocalSymbol local) => _reads.TryGetValue(local, out var count) ? count : 0;

    private static bool IsWritten(ILocalReferenceOperation reference)
    {
        if (reference.IsDeclaration)
        {
            return true;
        }

        IOperation child = reference;
        var parent = reference.Parent;
        while (parent is ITupleOperation)
        {
            child = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            IAssignmentOperation assignment => assignment.Target == child,
            IIncrementOrDecrementOperation => true,
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            _ => false,
        };
    }
}
