using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>The API that receives a piece of SQL.</summary>
internal enum SqlApi
{
    /// <summary><c>new NpgsqlCommand(sql, …)</c> or <c>command.CommandText = sql</c>.</summary>
    NpgsqlCommand,

    /// <summary><c>new NpgsqlBatchCommand(sql)</c>: runs with the other commands of its batch, in one round trip.</summary>
    NpgsqlBatchCommand,

    /// <summary><c>dataSource.CreateCommand(sql)</c>: each execution takes its own pooled connection, outside any transaction.</summary>
    NpgsqlDataSourceCommand,

    /// <summary>Dapper's <c>Query*</c>/<c>Execute*</c> extension methods on a connection.</summary>
    Dapper,

    /// <summary>EF Core raw SQL: <c>FromSqlRaw</c>, <c>FromSql(Interpolated)</c>, <c>ExecuteSql*</c>, <c>SqlQuery(Raw)</c>.</summary>
    EntityFramework,
}

/// <summary>
/// The data-access and side-effect types of one compilation, resolved once by metadata name in the SQL rules'
/// compilation-start action. <see cref="IsEmpty"/> when the compilation references no SQL API: the rules then register
/// nothing.
/// </summary>
internal sealed class SqlApis
{
    private SqlApis(Compilation compilation)
    {
        NpgsqlCommand = compilation.GetTypeByMetadataName("Npgsql.NpgsqlCommand");
        NpgsqlBatchCommand = compilation.GetTypeByMetadataName("Npgsql.NpgsqlBatchCommand");
        NpgsqlConnection = compilation.GetTypeByMetadataName("Npgsql.NpgsqlConnection");
        NpgsqlDataSource = compilation.GetTypeByMetadataName("Npgsql.NpgsqlDataSource");
        DapperSqlMapper = compilation.GetTypeByMetadataName("Dapper.SqlMapper");
        DapperCommandDefinition = compilation.GetTypeByMetadataName("Dapper.CommandDefinition");
        EfQueryableExtensions = compilation.GetTypeByMetadataName("Microsoft.EntityFrameworkCore.RelationalQueryableExtensions");
        EfDatabaseFacadeExtensions = compilation.GetTypeByMetadataName("Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions");
        EfDatabaseFacade = compilation.GetTypeByMetadataName("Microsoft.EntityFrameworkCore.Infrastructure.DatabaseFacade");
        EfExecutionStrategy = compilation.GetTypeByMetadataName("Microsoft.EntityFrameworkCore.Storage.IExecutionStrategy");
        EfExecutionStrategyExtensions = compilation.GetTypeByMetadataName("Microsoft.EntityFrameworkCore.ExecutionStrategyExtensions");
        DbConnection = compilation.GetTypeByMetadataName("System.Data.Common.DbConnection");
        IDbConnection = compilation.GetTypeByMetadataName("System.Data.IDbConnection");
        DbDataSource = compilation.GetTypeByMetadataName("System.Data.Common.DbDataSource");
        DataIsolationLevel = compilation.GetTypeByMetadataName("System.Data.IsolationLevel");
        TransactionScope = compilation.GetTypeByMetadataName("System.Transactions.TransactionScope");
        TransactionsIsolationLevel = compilation.GetTypeByMetadataName("System.Transactions.IsolationLevel");
        HttpMessageInvoker = compilation.GetTypeByMetadataName("System.Net.Http.HttpMessageInvoker");
        HttpClient = compilation.GetTypeByMetadataName("System.Net.Http.HttpClient");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory");
        ThreadPool = compilation.GetTypeByMetadataName("System.Threading.ThreadPool");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
    }

    internal INamedTypeSymbol? NpgsqlCommand { get; }

    internal INamedTypeSymbol? NpgsqlBatchCommand { get; }

    internal INamedTypeSymbol? NpgsqlConnection { get; }

    internal INamedTypeSymbol? NpgsqlDataSource { get; }

    internal INamedTypeSymbol? DapperSqlMapper { get; }

    internal INamedTypeSymbol? DapperCommandDefinition { get; }

    internal INamedTypeSymbol? EfQueryableExtensions { get; }

    internal INamedTypeSymbol? EfDatabaseFacadeExtensions { get; }

    internal INamedTypeSymbol? EfDatabaseFacade { get; }

    internal INamedTypeSymbol? EfExecutionStrategy { get; }

    internal INamedTypeSymbol? EfExecutionStrategyExtensions { get; }

    internal INamedTypeSymbol? DbConnection { get; }

    internal INamedTypeSymbol? IDbConnection { get; }

    internal INamedTypeSymbol? DbDataSource { get; }

    internal INamedTypeSymbol? DataIsolationLevel { get; }

    internal INamedTypeSymbol? TransactionScope { get; }

    internal INamedTypeSymbol? TransactionsIsolationLevel { get; }

    internal INamedTypeSymbol? HttpMessageInvoker { get; }

    internal INamedTypeSymbol? HttpClient { get; }

    internal INamedTypeSymbol? Task { get; }

    internal INamedTypeSymbol? TaskFactory { get; }

    internal INamedTypeSymbol? ThreadPool { get; }

    internal INamedTypeSymbol? ValueTask { get; }

    /// <summary>No SQL API is referenced: nothing for the SQL rules to read.</summary>
    internal bool IsEmpty => NpgsqlCommand is null && NpgsqlBatchCommand is null && DapperSqlMapper is null && EfQueryableExtensions is null && EfDatabaseFacadeExtensions is null;

    internal static SqlApis Create(Compilation compilation) => new(compilation);

    /// <summary>The SQL site an operation creates, when it hands SQL text to one of the APIs.</summary>
    internal SqlSite? Classify(IOperation operation, LocalValues locals)
    {
        switch (operation)
        {
            case IObjectCreationOperation creation when Is(creation.Type, NpgsqlCommand):
                return FromNpgsqlCommand(creation, locals);
            case IObjectCreationOperation creation when Is(creation.Type, NpgsqlBatchCommand):
                return Site(SqlApi.NpgsqlBatchCommand, creation, Argument(creation.Arguments, "commandText") ?? InitializerValue(creation, "CommandText"), locals, holesAreParameters: false);
            case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "CommandText" } property } assignment
                when Is(property.Property.ContainingType, NpgsqlCommand) && property.Instance is not IInstanceReferenceOperation:
                return Site(SqlApi.NpgsqlCommand, assignment, assignment.Value, locals, holesAreParameters: false, command: property.Instance);
            case IInvocationOperation invocation:
                return FromInvocation(invocation, locals);
            default:
                return null;
        }
    }

    private static SqlSite? FromNpgsqlCommand(IObjectCreationOperation creation, LocalValues locals)
    {
        var sql = Argument(creation.Arguments, "cmdText") ?? InitializerValue(creation, "CommandText");
        var site = Site(SqlApi.NpgsqlCommand, creation, sql, locals, holesAreParameters: false, command: creation);
        if (site is not null)
        {
            site.Connection = Argument(creation.Arguments, "connection") ?? InitializerValue(creation, "Connection");
            site.Transaction = Argument(creation.Arguments, "transaction") ?? InitializerValue(creation, "Transaction");
        }

        return site;
    }

    private SqlSite? FromInvocation(IInvocationOperation invocation, LocalValues locals)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        if (Is(type, NpgsqlDataSource) && method.Name == "CreateCommand")
        {
            return Site(SqlApi.NpgsqlDataSourceCommand, invocation, Argument(invocation.Arguments, "commandText"), locals, holesAreParameters: false);
        }

        if (Is(type, DapperSqlMapper) && (method.Name.StartsWith("Query", StringComparison.Ordinal) || method.Name.StartsWith("Execute", StringComparison.Ordinal)))
        {
            var sql = Argument(invocation.Arguments, "sql");
            var transaction = Argument(invocation.Arguments, "transaction");
            if (sql is null && Argument(invocation.Arguments, "command") is IObjectCreationOperation definition && Is(definition.Type, DapperCommandDefinition))
            {
                sql = Argument(definition.Arguments, "commandText");
                transaction = Argument(definition.Arguments, "transaction");
            }

            var site = Site(SqlApi.Dapper, invocation, sql, locals, holesAreParameters: false);
            if (site is not null)
            {
                site.Connection = Argument(invocation.Arguments, "cnn");
                site.Transaction = transaction;
            }

            return site;
        }

        if ((Is(type, EfQueryableExtensions) || Is(type, EfDatabaseFacadeExtensions))
            && invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "sql") is { Parameter: { } parameter } argument)
        {
            var site = Site(SqlApi.EntityFramework, invocation, argument.Value, locals, holesAreParameters: parameter.Type.Name == nameof(FormattableString));
            if (site is not null)
            {
                site.Connection = invocation.Arguments.FirstOrDefault()?.Value;
            }

            return site;
        }

        return null;
    }

    private static SqlSite? Site(SqlApi api, IOperation operation, IOperation? sql, LocalValues locals, bool holesAreParameters, IOperation? command = null)
        => sql is not null && SqlTextReader.Read(sql, locals, holesAreParameters) is { } text && text.Statements.Length > 0
            ? new SqlSite(api, operation, sql, text, command)
            : null;

    internal static IOperation? Argument(ImmutableArray<IArgumentOperation> arguments, string name)
        => arguments.FirstOrDefault(a => a.Parameter?.Name == name && a.ArgumentKind != ArgumentKind.DefaultValue)?.Value;

    private static IOperation? InitializerValue(IObjectCreationOperation creation, string property)
        => creation.Initializer?.Initializers
            .OfType<ISimpleAssignmentOperation>()
            .FirstOrDefault(a => a.Target is IPropertyReferenceOperation { Property.Name: var name } && name == property)
            ?.Value;

    /// <summary><paramref name="type"/> is <paramref name="expected"/> or derives from it.</summary>
    internal static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected)
    {
        if (expected is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, expected))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="type"/> is, derives from or implements <paramref name="expected"/>.</summary>
    internal static bool IsOrImplements(ITypeSymbol? type, INamedTypeSymbol? expected)
        => expected is not null && type is not null
            && (Is(type, expected) || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected) || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, expected)));

    /// <summary>A connection type: <c>DbConnection</c> or <c>IDbConnection</c>.</summary>
    internal bool IsConnection(ITypeSymbol? type) => Is(type, DbConnection) || IsOrImplements(type, IDbConnection);
}
