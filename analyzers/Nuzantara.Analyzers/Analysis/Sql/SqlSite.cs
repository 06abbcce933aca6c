using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>One place where constant SQL is handed to a data-access API.</summary>
internal sealed class SqlSite
{
    internal SqlSite(SqlApi api, IOperation operation, IOperation sql, SqlText text, IOperation? command)
    {
        Api = api;
        Operation = operation;
        Sql = sql;
        Text = text;
        Command = command;
    }

    internal SqlApi Api { get; }

    /// <summary>The creation, assignment or call that receives the SQL.</summary>
    internal IOperation Operation { get; }

    /// <summary>The expression that gives the SQL text: where diagnostics point, and what a code fix edits.</summary>
    internal IOperation Sql { get; }

    internal SqlText Text { get; }

    internal ImmutableArray<SqlStatement> Statements => Text.Statements;

    /// <summary>For Npgsql commands: the command object (its creation, or the reference whose <c>CommandText</c> is set).</summary>
    internal IOperation? Command { get; }

    /// <summary>The connection argument, Dapper's receiver or EF's <c>DbSet</c>/<c>Database</c>, when the call names one.</summary>
    internal IOperation? Connection { get; set; }

    /// <summary>The transaction passed with the SQL (constructor argument, <c>Transaction = tx</c>, Dapper's <c>transaction:</c>).</summary>
    internal IOperation? Transaction { get; set; }

    /// <summary>The local that holds the command, when the command is kept in one.</summary>
    internal ILocalSymbol? CommandLocal { get; set; }

    /// <summary>The method, local function or lambda whose body holds the site.</summary>
    internal IOperation Function { get; set; } = null!;

    internal Location Location => Sql.Syntax.GetLocation();

    internal int Position => Operation.Syntax.SpanStart;

    /// <summary>The statement the site's text is about, for messages: collapsed and shortened.</summary>
    internal static string Describe(SqlStatement statement)
    {
        const int Limit = 120;
        return statement.Text.Length <= Limit ? statement.Text : statement.Text.Substring(0, Limit - 1).TrimEnd() + "…";
    }
}
