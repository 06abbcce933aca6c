using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>Where a connection comes from, which tells whether a caller can have a transaction open on it.</summary>
internal enum ConnectionOrigin
{
    /// <summary>Handed in, or not visible: a caller may have begun a transaction on it.</summary>
    Outside,

    /// <summary>Created or opened in this body (<c>new NpgsqlConnection(…)</c>, <c>dataSource.OpenConnectionAsync()</c>).</summary>
    Local,

    /// <summary><c>NpgsqlDataSource.CreateCommand</c>: every execution takes its own pooled connection.</summary>
    Pooled,
}

/// <summary>
/// The SQL of one body (a method, accessor, constructor or the top-level statements, with the lambdas and local
/// functions inside it), read once: the SQL sites in source order, the transactions begun, and which transaction each
/// site runs in. The SQL rules build it once per body and ask it questions.
/// </summary>
internal sealed class SqlFlow
{
    private static readonly ImmutableHashSet<string> BeginNames = ImmutableHashSet.Create(StringComparer.Ordinal, "BeginTransaction", "BeginTransactionAsync");
    private static readonly ImmutableHashSet<string> EndNames = ImmutableHashSet.Create(StringComparer.Ordinal, "Commit", "CommitAsync", "Rollback", "RollbackAsync");
    private static readonly ImmutableHashSet<string> FacadeEndNames = ImmutableHashSet.Create(StringComparer.Ordinal, "CommitTransaction", "CommitTransactionAsync", "RollbackTransaction", "RollbackTransactionAsync");

    private readonly SqlApis _apis;
    private readonly Dictionary<ILocalSymbol, IOperation> _commandTransactions = new(SymbolEqualityComparer.Default);
    private readonly List<IOperation> _distributedLocks = new();
    private readonly List<SqlSite> _advisoryLocks = new();
    private readonly Dictionary<SqlSite, TransactionContext> _contexts = new();
    private readonly Dictionary<string, List<(SqlSite Site, SqlStatement Statement)>> _byTable = new(StringComparer.Ordinal);
    private readonly Dictionary<ILocalSymbol, List<IInvocationOperation>> _commandCalls = new(SymbolEqualityComparer.Default);

    /// <summary>
    /// The flows of the bodies being analyzed, shared by the four SQL rules so that each body is read once. Keyed weakly
    /// by the body's operation, which the analyzer driver hands to every analyzer, so nothing outlives its compilation.
    /// </summary>
    private static readonly ConditionalWeakTable<IOperation, SqlFlow> Shared = new();

    private SqlFlow(SqlApis apis, LocalValues locals)
    {
        _apis = apis;
        Locals = locals;
    }

    /// <summary>The SQL sites, in source order.</summary>
    internal List<SqlSite> Sites { get; } = new();

    internal List<TransactionRegion> Regions { get; } = new();

    /// <summary>Every call of the body, for rules that look for side effects or retries.</summary>
    internal List<IInvocationOperation> Invocations { get; } = new();

    internal LocalValues Locals { get; }

    internal SqlApis Apis => _apis;

    internal bool IsEmpty => Sites.Count == 0 && Regions.Count == 0;

    /// <summary>The flow of <paramref name="body"/>, read once for all the rules that ask for it.</summary>
    internal static SqlFlow For(IOperation body, SqlApis apis)
        => Shared.GetValue(body, key => Build(key, apis));

    /// <summary>
    /// Reads a body. The flow is complete when this returns and is only read afterwards, so analyzers running
    /// concurrently can share it.
    /// </summary>
    internal static SqlFlow Build(IOperation body, SqlApis apis)
    {
        var operations = body.DescendantsAndSelf().ToList();
        var locals = new LocalValues();
        foreach (var operation in operations)
        {
            locals.Visit(operation);
        }

        var flow = new SqlFlow(apis, locals);
        foreach (var operation in operations)
        {
            flow.Visit(operation);
        }

        flow.Sites.Sort((a, b) => a.Position.CompareTo(b.Position));
        flow.Regions.Sort((a, b) => a.BeginStatement.SpanStart.CompareTo(b.BeginStatement.SpanStart));
        flow.AttachEnds();
        flow.Index();
        return flow;
    }

    private void Visit(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                Invocations.Add(invocation);
                BeginCall(invocation);
                NoteDistributedLock(invocation);
                break;
            case IObjectCreationOperation creation when SqlApis.Is(creation.Type, _apis.TransactionScope):
                BeginScope(creation);
                break;
            case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Transaction", Instance: ILocalReferenceOperation command } property } assignment
                when SqlApis.Is(property.Property.ContainingType, _apis.NpgsqlCommand):
                _commandTransactions[command.Local] = assignment.Value;
                break;
        }

        if (operation is IObjectCreationOperation or ISimpleAssignmentOperation or IInvocationOperation && _apis.Classify(operation, Locals) is { } site)
        {
            site.Function = FunctionOf(operation);
            site.CommandLocal = CommandLocal(site);
            Sites.Add(site);
            if (site.Statements.Any(statement => statement.TakesAdvisoryLock))
            {
                _advisoryLocks.Add(site);
            }

            foreach (var statement in site.Statements)
            {
                if (statement.Kind == SqlStatementKind.Begin && StatementOf(operation) is { } beginStatement)
                {
                    Regions.Add(new TransactionRegion(TransactionKind.Sql, operation, beginStatement, null, statement.Isolation, site.Function));
                }
                else if (statement.Kind == SqlStatementKind.SetTransaction && Regions.LastOrDefault(r => r.Kind == TransactionKind.Sql) is { } region && statement.Isolation != SqlIsolation.Unspecified)
                {
                    region.Isolation = statement.Isolation;
                }
            }
        }
    }

    private void BeginCall(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!BeginNames.Contains(method.Name))
        {
            return;
        }

        TransactionKind kind;
        if (SqlApis.Is(method.ContainingType, _apis.EfDatabaseFacade) || SqlApis.Is(method.ContainingType, _apis.EfDatabaseFacadeExtensions))
        {
            kind = TransactionKind.EntityFramework;
        }
        else if (_apis.IsConnection(invocation.Instance?.Type))
        {
            kind = TransactionKind.Connection;
        }
        else
        {
            return;
        }

        var isolation = invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, _apis.DataIsolationLevel)) is { ArgumentKind: not ArgumentKind.DefaultValue } argument
            ? IsolationOf(argument.Value)
            : SqlIsolation.Unspecified;
        if (StatementOf(invocation) is { } statement)
        {
            Regions.Add(new TransactionRegion(kind, invocation, statement, AssignedLocal(invocation), isolation, FunctionOf(invocation)));
        }
    }

    private void BeginScope(IObjectCreationOperation creation)
    {
        var isolation = SqlIsolation.Serializable;
        foreach (var argument in creation.Arguments)
        {
            var value = argument.Value.WithoutConversions();
            if (value is IFieldReferenceOperation { Field.Name: "Suppress" })
            {
                // TransactionScopeOption.Suppress runs the block outside any transaction.
                return;
            }

            if (argument.Parameter?.Type.Name == "TransactionOptions")
            {
                isolation = value is IObjectCreationOperation { Initializer: { } initializer }
                    && initializer.Initializers.OfType<ISimpleAssignmentOperation>().FirstOrDefault(a => a.Target is IPropertyReferenceOperation { Property.Name: "IsolationLevel" }) is { } level
                        ? IsolationOf(level.Value)
                        : value is IObjectCreationOperation ? SqlIsolation.Serializable : SqlIsolation.Unknown;
            }
        }

        if (StatementOf(creation) is { } statement)
        {
            Regions.Add(new TransactionRegion(TransactionKind.Scope, creation, statement, AssignedLocal(creation), isolation, FunctionOf(creation)));
        }
    }

    /// <summary>Calls of a cross-process lock: Nuzantara.Concurrency.Postgres or the DistributedLock library.</summary>
    private void NoteDistributedLock(IInvocationOperation invocation)
    {
        var name = invocation.TargetMethod.Name;
        if (!(name.StartsWith("Lock", StringComparison.Ordinal) || name.StartsWith("TryLock", StringComparison.Ordinal)
            || name.StartsWith("Acquire", StringComparison.Ordinal) || name.StartsWith("TryAcquire", StringComparison.Ordinal)))
        {
            return;
        }

        var space = invocation.TargetMethod.ContainingType?.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (space.StartsWith("Nuzantara.Concurrency.Postgres", StringComparison.Ordinal) || space.StartsWith("Medallion.Threading", StringComparison.Ordinal))
        {
            _distributedLocks.Add(invocation);
        }
    }

    private void AttachEnds()
    {
        foreach (var invocation in Invocations)
        {
            var name = invocation.TargetMethod.Name;
            if (StatementOf(invocation) is not { } statement)
            {
                continue;
            }

            if (EndNames.Contains(name) && invocation.Instance.WithoutConversions() is ILocalReferenceOperation { Local: var local })
            {
                foreach (var region in Regions.Where(r => SymbolEqualityComparer.Default.Equals(r.Local, local)))
                {
                    region.Ends.Add(statement);
                }
            }
            else if (FacadeEndNames.Contains(name) && SqlApis.Is(invocation.TargetMethod.ContainingType, _apis.EfDatabaseFacade))
            {
                foreach (var region in Regions.Where(r => r.Kind == TransactionKind.EntityFramework))
                {
                    region.Ends.Add(statement);
                }
            }
        }

        foreach (var site in Sites)
        {
            if (site.Statements.Any(s => s.Kind is SqlStatementKind.Commit or SqlStatementKind.Rollback) && StatementOf(site.Operation) is { } statement)
            {
                foreach (var region in Regions.Where(r => r.Kind == TransactionKind.Sql))
                {
                    region.Ends.Add(statement);
                }
            }
        }
    }

    /// <summary>The transaction <paramref name="site"/> runs in: the one passed with it, else the innermost open region around it.</summary>
    internal TransactionContext ContextOf(SqlSite site) => _contexts[site];

    private TransactionContext FindContext(SqlSite site)
    {
        var passed = site.Transaction ?? (site.CommandLocal is { } command && _commandTransactions.TryGetValue(command, out var assigned) ? assigned : null);
        switch (passed.WithoutConversions())
        {
            case null or ILiteralOperation or IDefaultValueOperation:
                break;
            case ILocalReferenceOperation { Local: var local } when Regions.FirstOrDefault(r => SymbolEqualityComparer.Default.Equals(r.Local, local)) is { } region:
                return TransactionContext.In(region);
            case ILocalReferenceOperation { Local: var local } when Locals.SingleValue(local) is { } value && !IsTransactionBegin(value):
                return TransactionContext.FromOutside(value.Syntax.ToString());
            case { } other:
                return TransactionContext.FromOutside(other.Syntax.ToString());
        }

        return RegionAround(site.Operation, site.Function) is { } around ? TransactionContext.In(around) : TransactionContext.None;
    }

    /// <summary>
    /// The statements (with those of their <c>WITH</c> lists) that read or write a table of this name, in source order:
    /// rules pair statements through it, so their work grows with the statements of one table, not with all pairs.
    /// </summary>
    internal IReadOnlyList<(SqlSite Site, SqlStatement Statement)> StatementsOn(string table)
        => _byTable.TryGetValue(table, out var found) ? found : Array.Empty<(SqlSite, SqlStatement)>();

    /// <summary>The calls made on a command local (<c>command.ExecuteNonQueryAsync()</c>…), in source order.</summary>
    internal IReadOnlyList<IInvocationOperation> CallsOn(ILocalSymbol command)
        => _commandCalls.TryGetValue(command, out var found) ? found : Array.Empty<IInvocationOperation>();

    /// <summary>Everything rules look up repeatedly, computed once: statements by table, contexts, calls on commands.</summary>
    private void Index()
    {
        var commands = new HashSet<ILocalSymbol>(Sites.Select(s => s.CommandLocal).OfType<ILocalSymbol>(), SymbolEqualityComparer.Default);
        foreach (var invocation in Invocations)
        {
            if (invocation.Instance.WithoutConversions() is ILocalReferenceOperation { Local: var local } && commands.Contains(local))
            {
                if (!_commandCalls.TryGetValue(local, out var calls))
                {
                    _commandCalls[local] = calls = new List<IInvocationOperation>();
                }

                calls.Add(invocation);
            }
        }

        foreach (var site in Sites)
        {
            _contexts[site] = FindContext(site);
            foreach (var statement in site.Statements.SelectMany(s => s.WithNested()))
            {
                var names = statement.Sources.Select(t => t.Name);
                if (statement.Target is { } target)
                {
                    names = names.Concat(new[] { target.Name });
                }

                foreach (var name in names.Distinct())
                {
                    if (!_byTable.TryGetValue(name, out var list))
                    {
                        _byTable[name] = list = new List<(SqlSite, SqlStatement)>();
                    }

                    list.Add((site, statement));
                }
            }
        }
    }

    /// <summary>The innermost transaction open where <paramref name="operation"/> runs.</summary>
    internal TransactionRegion? RegionAround(IOperation operation, IOperation? function = null)
    {
        function ??= FunctionOf(operation);
        TransactionRegion? innermost = null;
        foreach (var region in Regions)
        {
            if (region.Contains(operation, function) && (innermost is null || region.BeginStatement.SpanStart > innermost.BeginStatement.SpanStart))
            {
                innermost = region;
            }
        }

        return innermost;
    }

    /// <summary>A cross-process lock is taken before <paramref name="operation"/> in its body: an advisory lock in SQL or a distributed lock call.</summary>
    internal bool HasCrossProcessLockBefore(IOperation operation, IOperation function)
        => _advisoryLocks.Any(s => s.Position < operation.Syntax.SpanStart && s.Function == function)
            || _distributedLocks.Any(call => call.Syntax.SpanStart < operation.Syntax.SpanStart && RunsIn(function, FunctionOf(call)));

    /// <summary>Where the connection of <paramref name="site"/> comes from.</summary>
    internal ConnectionOrigin OriginOf(SqlSite site)
    {
        if (site.Api == SqlApi.NpgsqlDataSourceCommand)
        {
            return ConnectionOrigin.Pooled;
        }

        var connection = site.Connection.WithoutConversions();
        if (connection is ILocalReferenceOperation { Local: var local } && Locals.SingleValue(local).WithoutConversions() is { } value)
        {
            var created = value is IAwaitOperation awaited ? awaited.Operation.WithoutConversions() : value;
            if (created is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured })
            {
                created = configured.WithoutConversions();
            }

            return created switch
            {
                IObjectCreationOperation creation when _apis.IsConnection(creation.Type) => ConnectionOrigin.Local,
                IInvocationOperation { TargetMethod.Name: "OpenConnection" or "OpenConnectionAsync" or "CreateConnection" } => ConnectionOrigin.Local,
                _ => ConnectionOrigin.Outside,
            };
        }

        return ConnectionOrigin.Outside;
    }

    private bool IsTransactionBegin(IOperation value) => Regions.Any(r => r.Begin.Syntax.Span.IntersectsWith(value.Syntax.Span));

    private static ILocalSymbol? CommandLocal(SqlSite site)
    {
        if (site.Command is ILocalReferenceOperation { Local: var local })
        {
            return local;
        }

        return site.Command is IObjectCreationOperation creation ? AssignedLocal(creation) : null;
    }

    /// <summary>The local a value is stored in: <c>var x = [await] value[.ConfigureAwait(false)]</c> or <c>x = value</c>.</summary>
    internal static ILocalSymbol? AssignedLocal(IOperation value)
    {
        var current = value;
        for (var parent = current.Parent; parent is not null; current = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IAwaitOperation or IConversionOperation:
                    continue;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure when configure.Instance == current:
                    continue;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return declarator.Symbol;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when assignment.Value == current:
                    return target.Local;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>The statement an operation belongs to.</summary>
    internal static StatementSyntax? StatementOf(IOperation operation)
        => operation.Syntax.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault();

    /// <summary>The innermost method, local function or lambda around <paramref name="operation"/>: the body it runs with.</summary>
    internal static IOperation FunctionOf(IOperation operation)
    {
        var current = operation;
        while (current.Parent is { } parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return parent;
            }

            current = parent;
        }

        return current;
    }

    /// <summary>
    /// Code in <paramref name="operationFunction"/> runs within <paramref name="outerFunction"/>: it is that function,
    /// or a lambda written inside it (lambdas run where they are written, as a rule); a local function runs where it is
    /// called, so it does not count.
    /// </summary>
    internal static bool RunsIn(IOperation operationFunction, IOperation outerFunction)
    {
        var function = operationFunction;
        while (function != outerFunction)
        {
            if (function is not IAnonymousFunctionOperation || function.Parent is null)
            {
                return false;
            }

            function = FunctionOf(function);
        }

        return true;
    }

    /// <summary>A <c>System.Data.IsolationLevel</c> or <c>System.Transactions.IsolationLevel</c> value.</summary>
    internal static SqlIsolation IsolationOf(IOperation value)
    {
        value = value.WithoutConversions()!;
        if (value is IFieldReferenceOperation { Field: { ContainingType.TypeKind: TypeKind.Enum } field })
        {
            return field.Name switch
            {
                "Serializable" => SqlIsolation.Serializable,
                "RepeatableRead" => SqlIsolation.RepeatableRead,
                "ReadCommitted" => SqlIsolation.ReadCommitted,
                "ReadUncommitted" => SqlIsolation.ReadUncommitted,
                "Snapshot" => SqlIsolation.Snapshot,
                "Unspecified" => SqlIsolation.Unspecified,
                _ => SqlIsolation.Unknown,
            };
        }

        return SqlIsolation.Unknown;
    }
}
