using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Nuzantara.Analyzers.Editing;

/// <summary>
/// The statements a guard must cover for one diagnostic: the smallest run of statements of one block that holds the
/// write, the reads it depends on (through locals, the enclosing conditions and the statement that loaded the object
/// it writes to), and so every <c>await</c> between them. Declarations the run makes that code after it still uses keep
/// their scope: the run then extends to the end of its block.
/// </summary>
internal sealed class GuardSpan
{
    private GuardSpan(
        SyntaxNode function,
        IMethodSymbol functionSymbol,
        INamedTypeSymbol containingType,
        SyntaxNode? container,
        int first,
        int last,
        ImmutableArray<SharedAccess> anchors,
        ImmutableArray<SharedAccess> covered,
        bool hasAwait)
    {
        Function = function;
        FunctionSymbol = functionSymbol;
        ContainingType = containingType;
        Container = container;
        First = first;
        Last = last;
        Anchors = anchors;
        Covered = covered;
        HasAwait = hasAwait;
    }

    /// <summary>The method, accessor, local function or lambda the span is in.</summary>
    internal SyntaxNode Function { get; }

    internal IMethodSymbol FunctionSymbol { get; }

    internal INamedTypeSymbol ContainingType { get; }

    /// <summary>The block or switch section holding the statements; null when the function has an expression body, which the guard covers whole.</summary>
    internal SyntaxNode? Container { get; }

    internal int First { get; }

    internal int Last { get; }

    /// <summary>The writes (and, for a check, the reads) the diagnostic is about.</summary>
    internal ImmutableArray<SharedAccess> Anchors { get; }

    /// <summary>Every access to the anchors' state inside the span.</summary>
    internal ImmutableArray<SharedAccess> Covered { get; }

    internal bool HasAwait { get; }

    internal bool IsAsync => FunctionSymbol.IsAsync;

    /// <summary>Whether the state belongs to no instance, so only a static lock excludes every flow.</summary>
    internal bool NeedsStaticLock => Anchors.Any(a => a.IsStatic && a.Root is null) || !HasInstance(FunctionSymbol);

    internal ImmutableArray<StatementSyntax> Statements
        => Container is null ? ImmutableArray<StatementSyntax>.Empty : GuardSyntax.StatementsOf(Container).Skip(First).Take(Last - First + 1).ToImmutableArray();

    /// <summary>The text the guard replaces.</summary>
    internal TextSpan Span
        => Container is null
            ? ExpressionBody(Function)!.Span
            : TextSpan.FromBounds(Statements[0].SpanStart, Statements[Statements.Length - 1].Span.End);

    /// <summary>The nodes whose code runs inside the guard.</summary>
    internal IEnumerable<SyntaxNode> Nodes => Container is null ? new SyntaxNode[] { ExpressionBody(Function)! } : Statements;

    /// <summary>Finds the span for a diagnostic; null when its code has a shape the guard does not rewrite safely.</summary>
    internal static GuardSpan? Find(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
    {
        var location = diagnostic.Location.SourceSpan;
        var node = root.FindNode(location, getInnermostNodeForTie: true);
        if (EnclosingFunction(node) is not { } function
            || SymbolOf(function, model, cancellationToken) is not { } symbol
            || symbol.ContainingType is not { TypeKind: TypeKind.Class } type
            || Body(function) is not { } body
            || model.GetOperation(body, cancellationToken) is not { } bodyOperation)
        {
            return null;
        }

        var accesses = SharedAccess.Collect(bodyOperation);
        var anchors = FindAnchors(accesses, location, node);
        if (anchors.IsEmpty)
        {
            return null;
        }

        var paths = new HashSet<string>(anchors.Select(a => a.Path));
        var coverage = new HashSet<StatementSyntax>();
        var ownStatements = new List<StatementSyntax>();
        foreach (var anchor in anchors)
        {
            if (SharedAccess.StatementOf(anchor.Syntax, function) is not { } statement)
            {
                // An expression body: the guard covers all of it.
                return ExpressionBody(function) is null ? null : Create(function, symbol, type, null, 0, 0, anchors, accesses, paths);
            }

            ownStatements.Add(statement);
            coverage.Add(statement);
        }

        var dependencies = new Dependencies(function, bodyOperation, accesses, paths, model);
        foreach (var statement in ownStatements)
        {
            dependencies.AddTo(coverage, statement);
        }

        foreach (var additional in diagnostic.AdditionalLocations)
        {
            if (additional.SourceTree == root.SyntaxTree && function.Span.Contains(additional.SourceSpan)
                && SharedAccess.StatementOf(root.FindNode(additional.SourceSpan, getInnermostNodeForTie: true), function) is { } extra
                && EnclosingFunction(extra) == function)
            {
                coverage.Add(extra);
            }
        }

        if (CommonContainer(coverage, function) is not { } container)
        {
            return null;
        }

        var statements = GuardSyntax.StatementsOf(container);
        var indices = coverage.Select(s => statements.IndexOf(ChildOf(container, s))).ToList();
        var first = indices.Min();
        var last = indices.Max();
        if (first < 0 || !KeepsScopes(model, statements, first, ref last, function))
        {
            return null;
        }

        var span = Create(function, symbol, type, container, first, last, anchors, accesses, paths);
        return span.Statements.Any(s => s.DescendantNodesAndSelf().Any(n => n is LabeledStatementSyntax or YieldStatementSyntax)) ? null : span;
    }

    private static GuardSpan Create(
        SyntaxNode function,
        IMethodSymbol symbol,
        INamedTypeSymbol type,
        SyntaxNode? container,
        int first,
        int last,
        ImmutableArray<SharedAccess> anchors,
        ImmutableArray<SharedAccess> accesses,
        HashSet<string> paths)
    {
        var span = new GuardSpan(function, symbol, type, container, first, last, anchors, ImmutableArray<SharedAccess>.Empty, hasAwait: false);
        var text = span.Span;
        var covered = accesses.Where(a => paths.Contains(a.Path) && text.Contains(a.Syntax.Span)).ToImmutableArray();
        var hasAwait = span.Nodes.Any(GuardSyntax.ContainsAwait);
        return new GuardSpan(function, symbol, type, container, first, last, anchors, covered, hasAwait);
    }

    /// <summary>
    /// The accesses the diagnostic points at. The rules put it on the write (<c>_total += x</c>, <c>_cache[k] = v</c>,
    /// <c>_items.Add(x)</c>) or on a use (<c>_cache.TryGetValue(…)</c>, a loop's collection): the access the location
    /// starts with. Writes win over reads; for a read, the later write of the same state that depends on it joins, if
    /// there is one. A location that starts with no access (a whole statement) falls back to every access it holds,
    /// preferring writes of state it also reads (check-then-act).
    /// </summary>
    private static ImmutableArray<SharedAccess> FindAnchors(ImmutableArray<SharedAccess> accesses, TextSpan location, SyntaxNode node)
    {
        var head = node switch
        {
            PrefixUnaryExpressionSyntax prefix => prefix.Operand,
            ExpressionStatementSyntax statement => statement.Expression,
            _ => node,
        };
        var start = head.SpanStart;
        var primary = accesses.Where(a => a.Syntax.SpanStart == start && location.Contains(a.Syntax.Span)).ToList();
        if (primary.Count > 1)
        {
            // `_a.B = x` starts with both `_a` and `_a.B`: the outermost reference is the state.
            var outermost = primary.OrderByDescending(a => a.Syntax.Span.Length).First();
            primary = new List<SharedAccess> { outermost };
        }

        var located = primary.Count > 0 ? primary : accesses.Where(a => location.Contains(a.Syntax.Span)).ToList();
        var writes = located.Where(a => a.IsWrite).ToList();
        if (writes.Count > 0)
        {
            var readPaths = new HashSet<string>(located.Where(a => !a.IsWrite).Select(a => a.Path));
            var checkedWrites = writes.Where(w => readPaths.Contains(w.Path)).ToList();
            return (checkedWrites.Count > 0 ? checkedWrites : writes).ToImmutableArray();
        }

        var laterWrites = located
            .Select(read => accesses.FirstOrDefault(a => a.IsWrite && a.Path == read.Path && a.Syntax.SpanStart > read.Syntax.Span.End))
            .Where(w => w is not null)
            .Select(w => w!);
        return located.Concat(laterWrites).ToImmutableArray();
    }

    /// <summary>
    /// The innermost method, constructor, accessor, expression-bodied property, local function or lambda around a
    /// node; null in initializers and operators.
    /// </summary>
    internal static SyntaxNode? EnclosingFunction(SyntaxNode node)
    {
        foreach (var ancestor in node.AncestorsAndSelf())
        {
            switch (ancestor)
            {
                case MethodDeclarationSyntax or ConstructorDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax:
                case BasePropertyDeclarationSyntax when Body(ancestor) is not null:
                    return ancestor;
                case BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or FieldDeclarationSyntax or TypeDeclarationSyntax:
                    return null;
            }
        }

        return null;
    }

    internal static IMethodSymbol? SymbolOf(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
        => function switch
        {
            AnonymousFunctionExpressionSyntax lambda => model.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol,
            BasePropertyDeclarationSyntax property => (model.GetDeclaredSymbol(property, cancellationToken) as IPropertySymbol)?.GetMethod,
            _ => model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol,
        };

    internal static SyntaxNode? Body(SyntaxNode function)
        => function switch
        {
            BaseMethodDeclarationSyntax method => (SyntaxNode?)method.Body ?? method.ExpressionBody?.Expression,
            LocalFunctionStatementSyntax local => (SyntaxNode?)local.Body ?? local.ExpressionBody?.Expression,
            AccessorDeclarationSyntax accessor => (SyntaxNode?)accessor.Body ?? accessor.ExpressionBody?.Expression,
            AnonymousFunctionExpressionSyntax lambda => lambda.Body,
            PropertyDeclarationSyntax property => property.ExpressionBody?.Expression,
            IndexerDeclarationSyntax indexer => indexer.ExpressionBody?.Expression,
            _ => null,
        };

    internal static ExpressionSyntax? ExpressionBody(SyntaxNode function) => Body(function) as ExpressionSyntax;

    private static bool HasInstance(IMethodSymbol function)
    {
        for (ISymbol? current = function; current is not null; current = current.ContainingSymbol)
        {
            if (current.IsStatic)
            {
                return false;
            }

            if (current is INamedTypeSymbol)
            {
                return true;
            }
        }

        return true;
    }

    /// <summary>The innermost block or switch section that holds every statement, inside the function.</summary>
    private static SyntaxNode? CommonContainer(IReadOnlyCollection<StatementSyntax> statements, SyntaxNode function)
    {
        var first = statements.First();
        foreach (var candidate in first.Ancestors())
        {
            if (candidate == function || candidate is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return null;
            }

            if (candidate is BlockSyntax or SwitchSectionSyntax && statements.All(s => s != candidate && candidate.Span.Contains(s.Span) && s.Ancestors().Contains(candidate)))
            {
                return candidate;
            }
        }

        return null;
    }

    private static StatementSyntax ChildOf(SyntaxNode container, StatementSyntax statement)
    {
        SyntaxNode current = statement;
        while (current.Parent != container)
        {
            current = current.Parent!;
        }

        return (StatementSyntax)current;
    }

    /// <summary>
    /// Whether moving statements [first, last] into a block keeps every name visible where it is used; extends the run
    /// to the end of its container when a later statement uses something it declares.
    /// </summary>
    private static bool KeepsScopes(SemanticModel model, SyntaxList<StatementSyntax> statements, int first, ref int last, SyntaxNode function)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (!Escapes(model, statements, first, last, function))
            {
                return true;
            }

            if (last == statements.Count - 1)
            {
                return false;
            }

            last = statements.Count - 1;
        }

        return false;
    }

    private static bool Escapes(SemanticModel model, SyntaxList<StatementSyntax> statements, int first, int last, SyntaxNode function)
    {
        var flow = model.AnalyzeDataFlow(statements[first], statements[last]);
        if (flow is null || !flow.Succeeded)
        {
            return true;
        }

        var outside = new HashSet<ISymbol>(flow.ReadOutside.Concat(flow.WrittenOutside), SymbolEqualityComparer.Default);
        if (flow.VariablesDeclared.Any(outside.Contains))
        {
            return true;
        }

        // Local functions are visible in their whole block, before their declaration too.
        var span = TextSpan.FromBounds(statements[first].SpanStart, statements[last].Span.End);
        var localFunctions = new HashSet<string>(
            Enumerable.Range(first, last - first + 1)
                .Select(i => statements[i])
                .OfType<LocalFunctionStatementSyntax>()
                .Select(f => f.Identifier.ValueText));
        return localFunctions.Count > 0
            && function.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => !span.Contains(n.Span) && localFunctions.Contains(n.Identifier.ValueText));
    }

    /// <summary>What a write depends on: locals it reads that were computed from the same state, enclosing checks of that state, and the load of the object it writes to.</summary>
    private sealed class Dependencies
    {
        private readonly SyntaxNode _function;
        private readonly ImmutableArray<SharedAccess> _accesses;
        private readonly HashSet<string> _paths;
        private readonly SemanticModel _model;
        private readonly Dictionary<ILocalSymbol, List<(StatementSyntax Statement, IOperation Value)>> _localWrites = new(SymbolEqualityComparer.Default);

        internal Dependencies(SyntaxNode function, IOperation body, ImmutableArray<SharedAccess> accesses, HashSet<string> paths, SemanticModel model)
        {
            _function = function;
            _model = model;
            _accesses = accesses;
            _paths = paths;
            foreach (var operation in SharedAccess.OwnDescendants(body))
            {
                var (local, value) = operation switch
                {
                    IVariableDeclaratorOperation { Initializer.Value: { } initial } declarator => (declarator.Symbol, initial),
                    ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment => (target.Local, assignment.Value),
                    ICompoundAssignmentOperation { Target: ILocalReferenceOperation target } compound => (target.Local, (IOperation)compound),
                    IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } declaration when declaration.Parent is IArgumentOperation { Parent: IInvocationOperation call } => (declared.Local, (IOperation)call),
                    _ => (null, null),
                };
                if (local is not null && value is not null && SharedAccess.StatementOf(operation.Syntax, function) is { } statement)
                {
                    if (!_localWrites.TryGetValue(local, out var writes))
                    {
                        _localWrites[local] = writes = new List<(StatementSyntax, IOperation)>();
                    }

                    writes.Add((statement, value));
                }
            }
        }

        internal void AddTo(HashSet<StatementSyntax> coverage, StatementSyntax write)
        {
            var pending = new Stack<SyntaxNode>();
            pending.Push(write);

            // Checks around the write that read the state (or a local computed from it) decide whether it happens.
            foreach (var ancestor in write.Ancestors().TakeWhile(a => a != _function).OfType<StatementSyntax>())
            {
                if (Header(ancestor) is { } header && (ReadsState(header) || LocalsIn(header).Any(IsTainted)))
                {
                    coverage.Add(ancestor);
                    pending.Push(header);
                }
            }

            // The statement that loaded the object whose member is written.
            foreach (var root in _accesses.Where(a => _paths.Contains(a.Path) && a.Root is ILocalSymbol).Select(a => (ILocalSymbol)a.Root!).Distinct<ILocalSymbol>(SymbolEqualityComparer.Default))
            {
                foreach (var (statement, value) in WritesBefore(root, write))
                {
                    coverage.Add(statement);
                    pending.Push(value.Syntax);
                }
            }

            var seen = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            while (pending.Count > 0)
            {
                foreach (var local in LocalsIn(pending.Pop()))
                {
                    if (!seen.Add(local) || !IsTainted(local))
                    {
                        continue;
                    }

                    foreach (var (statement, value) in WritesBefore(local, write))
                    {
                        if (ReadsState(value.Syntax) || LocalsIn(value.Syntax).Any(IsTainted))
                        {
                            coverage.Add(statement);
                            pending.Push(value.Syntax);
                        }
                    }
                }
            }
        }

        private IEnumerable<(StatementSyntax Statement, IOperation Value)> WritesBefore(ILocalSymbol local, StatementSyntax write)
            => _localWrites.TryGetValue(local, out var writes)
                ? writes.Where(w => w.Statement.SpanStart < write.SpanStart && !w.Statement.Span.Contains(write.Span))
                : Enumerable.Empty<(StatementSyntax, IOperation)>();

        /// <summary>Whether a local's value comes, directly or through other locals, from the state.</summary>
        private bool IsTainted(ILocalSymbol local) => IsTainted(local, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default));

        private bool IsTainted(ILocalSymbol local, HashSet<ILocalSymbol> visiting)
        {
            if (!visiting.Add(local) || !_localWrites.TryGetValue(local, out var writes))
            {
                return false;
            }

            return writes.Any(w => ReadsState(w.Value.Syntax) || LocalsIn(w.Value.Syntax).Any(l => IsTainted(l, visiting)));
        }

        private bool ReadsState(SyntaxNode node) => _accesses.Any(a => _paths.Contains(a.Path) && node.Span.Contains(a.Syntax.Span));

        private IEnumerable<ILocalSymbol> LocalsIn(SyntaxNode node)
            => node.DescendantNodesAndSelf()
                .OfType<IdentifierNameSyntax>()
                .Select(n => _model.GetSymbolInfo(n).Symbol)
                .OfType<ILocalSymbol>()
                .Where(_localWrites.ContainsKey)
                .Distinct<ILocalSymbol>(SymbolEqualityComparer.Default);

        private static ExpressionSyntax? Header(StatementSyntax statement)
            => statement switch
            {
                IfStatementSyntax @if => @if.Condition,
                WhileStatementSyntax @while => @while.Condition,
                DoStatementSyntax @do => @do.Condition,
                ForStatementSyntax @for => @for.Condition,
                ForEachStatementSyntax @foreach => @foreach.Expression,
                SwitchStatementSyntax @switch => @switch.Expression,
                _ => null,
            };
    }
}
