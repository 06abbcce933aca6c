using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>How a transaction was begun.</summary>
internal enum TransactionKind
{
    /// <summary><c>connection.BeginTransaction(Async)(…)</c> on an ADO.NET connection.</summary>
    Connection,

    /// <summary>EF Core's <c>Database.BeginTransaction(Async)(…)</c>.</summary>
    EntityFramework,

    /// <summary><c>new TransactionScope(…)</c>: it commits when disposed after <c>Complete()</c>.</summary>
    Scope,

    /// <summary>A <c>BEGIN</c>/<c>START TRANSACTION</c> statement sent as SQL.</summary>
    Sql,
}

/// <summary>
/// A transaction begun in the body being analyzed, as a region of the code: from the statement that begins it to the
/// end of its scope, minus whatever follows a <c>Commit</c>/<c>Rollback</c> on the same path.
/// </summary>
internal sealed class TransactionRegion
{
    internal TransactionRegion(TransactionKind kind, IOperation begin, StatementSyntax beginStatement, ILocalSymbol? local, SqlIsolation isolation, IOperation function)
    {
        Kind = kind;
        Begin = begin;
        BeginStatement = beginStatement;
        Local = local;
        Isolation = isolation;
        Function = function;
    }

    internal TransactionKind Kind { get; }

    /// <summary>The call, creation or SQL site that begins the transaction.</summary>
    internal IOperation Begin { get; }

    internal StatementSyntax BeginStatement { get; }

    /// <summary>The local holding the transaction (<c>await using var tx = …</c>), if any.</summary>
    internal ILocalSymbol? Local { get; }

    internal SqlIsolation Isolation { get; set; }

    internal IOperation Function { get; }

    /// <summary>The statements that commit or roll back the transaction.</summary>
    internal List<StatementSyntax> Ends { get; } = new();

    /// <summary>How messages name the transaction: the statement that begins it, shortened.</summary>
    internal string Describe()
    {
        var text = SqlReader.Collapse(Begin.Syntax.ToString());
        return text.Length <= 80 ? text : text.Substring(0, 79).TrimEnd() + "…";
    }

    /// <summary>Whether <paramref name="operation"/> runs while this transaction is open (begun and not yet committed).</summary>
    internal bool Contains(IOperation operation, IOperation operationFunction)
    {
        if (!SqlFlow.RunsIn(operationFunction, Function))
        {
            return false;
        }

        var node = operation.Syntax;
        // using (var tx = …) { … } ends with its body; any other declaration lasts to the end of its block.
        var begun = BeginStatement is UsingStatementSyntax { Statement: var body }
            ? body.Span.Contains(node.Span)
            : Follows(BeginStatement, node);
        if (!begun)
        {
            return false;
        }

        // A scope commits when it is disposed: everything inside it runs before the commit.
        return Kind == TransactionKind.Scope || !Ends.Any(end => Follows(end, node) || InFinallyAfter(end, node));
    }

    /// <summary>
    /// <paramref name="node"/> sits in a statement that comes after <paramref name="statement"/> in the same block (or
    /// the same list of top-level statements): once <paramref name="statement"/> has run, so that code runs after it.
    /// </summary>
    internal static bool Follows(StatementSyntax statement, SyntaxNode node)
    {
        SyntaxNode anchor = statement.Parent is GlobalStatementSyntax global ? global : statement;
        var container = anchor.Parent;
        for (var current = node; current is not null && current != container; current = current.Parent)
        {
            if (current.Parent == container)
            {
                return current.SpanStart > anchor.SpanStart;
            }
        }

        return false;
    }

    /// <summary>A <c>finally</c> runs after its <c>try</c> block, so after a commit made there.</summary>
    private static bool InFinallyAfter(StatementSyntax end, SyntaxNode node)
    {
        foreach (var finallyClause in node.Ancestors().OfType<FinallyClauseSyntax>())
        {
            if (finallyClause.Parent is TryStatementSyntax tryStatement && tryStatement.Block.Span.Contains(end.Span))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The transaction a piece of SQL runs in: a region of this body, one that comes from elsewhere, or none.</summary>
internal readonly struct TransactionContext
{
    private TransactionContext(TransactionRegion? region, string? outside)
    {
        Region = region;
        Outside = outside;
    }

    internal static TransactionContext None => default;

    /// <summary>A transaction begun in this body.</summary>
    internal TransactionRegion? Region { get; }

    /// <summary>A transaction handed in (a parameter, field or property), named by its expression: its isolation is not visible.</summary>
    internal string? Outside { get; }

    internal bool IsNone => Region is null && Outside is null;

    internal static TransactionContext In(TransactionRegion region) => new(region, null);

    internal static TransactionContext FromOutside(string name) => new(null, name);

    internal bool SameAs(TransactionContext other)
        => Region is not null ? Region == other.Region : Outside is not null && Outside == other.Outside;

    /// <summary>The isolation in force; <paramref name="defaultIsolation"/> when the code does not state one.</summary>
    internal SqlIsolation Isolation(SqlIsolation defaultIsolation)
        => Region?.Isolation is { } stated and not SqlIsolation.Unspecified ? stated : defaultIsolation;
}
