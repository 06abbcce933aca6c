using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1004: replaces a dictionary of locks with <c>KeyedAsyncLock&lt;TKey&gt;</c> and rewrites every use of it in the
/// declaring type: <c>GetOrAdd</c> + <c>WaitAsync</c> + <c>try/finally Release()</c> becomes
/// <c>using (await _locks.LockAsync(key, ct))</c>; a timed wait whose failure leaves becomes <c>TryLockAsync</c> and a
/// check of <c>IsAcquired</c>; <c>lock (_locks.GetOrAdd(…))</c> in an async method and a per-key <c>AsyncLock</c>'s
/// <c>LockAsync</c> become <c>LockAsync(key, …)</c>.
/// </summary>
/// <remarks>
/// The fix is offered only when every use of the field has one of these shapes and the type lives in one file: a
/// half-rewritten type does not compile. Note that the keyed lock times out (five seconds unless configured) where a
/// bare <c>WaitAsync()</c> waited for ever.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedLockDictionaryCodeFixProvider))]
[Shared]
public sealed class UnboundedLockDictionaryCodeFixProvider : DocumentFixProvider
{
    private const string KeyedLockKey = "NZ1004.KeyedAsyncLock";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.UnboundedLockDictionary);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not VariableDeclaratorSyntax declarator
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax } declaration
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not IFieldSymbol field
            || model.Compilation.GetTypeByMetadataName(FixSyntax.RuntimeNamespace + ".KeyedAsyncLock`1") is null)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var dictionaries = LockDictionaries.Create(model.Compilation, LockApis.Create(model.Compilation));
        if (dictionaries.Describe(field.Type) is not { } map)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        var rewrite = new FieldRewrite(field, map, dictionaries, model, cancellationToken);
        if (!rewrite.TryPlan(declarator, declaration))
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        return ImmutableArray.Create(new FixPlan(
            $"Replace '{field.Name}' with KeyedAsyncLock<{rewrite.KeyType}>",
            KeyedLockKey,
            rewrite.Apply,
            rewrite.Imports));
    }

    /// <summary>Plans the rewrite of one field and all its uses; gives up at the first use it cannot rewrite.</summary>
    private sealed class FieldRewrite
    {
        private readonly IFieldSymbol _field;
        private readonly LockMap _map;
        private readonly LockDictionaries _dictionaries;
        private readonly SemanticModel _model;
        private readonly CancellationToken _cancellationToken;
        private readonly List<Action<DocumentEditor>> _edits = new();
        private readonly HashSet<SyntaxNode> _rewritten = new();

        /// <summary>Code the rewrite replaces or removes; names in it do not count when deciding whether the import is safe.</summary>
        private readonly List<TextSpan> _replaced = new();
        private bool _needsSystem;
        private bool _importRuntime;
        private GenericNameSyntax? _keyedType;

        internal FieldRewrite(IFieldSymbol field, LockMap map, LockDictionaries dictionaries, SemanticModel model, CancellationToken cancellationToken)
        {
            _field = field;
            _map = map;
            _dictionaries = dictionaries;
            _model = model;
            _cancellationToken = cancellationToken;
        }

        internal string KeyType => _keyedType?.TypeArgumentList.Arguments[0].ToString() ?? string.Empty;

        internal string[] Imports => new[] { _needsSystem ? "System" : null, _importRuntime ? FixSyntax.RuntimeNamespace : null }.OfType<string>().ToArray();

        /// <summary>
        /// <c>KeyedAsyncLock&lt;K&gt;</c> when the runtime's namespace can be imported; else the qualified name, which
        /// the simplifier shortens if another fix in the same pass imports the namespace.
        /// </summary>
        private TypeSyntax WrittenType
            => _importRuntime
                ? _keyedType!
                : QualifiedName(ParseName(FixSyntax.RuntimeNamespace), _keyedType!).WithAdditionalAnnotations(Simplifier.Annotation);

        internal void Apply(DocumentEditor editor)
        {
            foreach (var edit in _edits)
            {
                edit(editor);
            }
        }

        internal bool TryPlan(VariableDeclaratorSyntax declarator, VariableDeclarationSyntax declaration)
        {
            // Every declaration of the type must be in this document, or the rewrite would leave uses behind elsewhere.
            var types = _field.ContainingType.DeclaringSyntaxReferences;
            if (types.Any(reference => reference.SyntaxTree != declarator.SyntaxTree))
            {
                return false;
            }

            _keyedType = KeyedType(declaration);
            _replaced.Add(declaration.Type.Span);
            _edits.Add(editor => editor.ReplaceNode(declaration.Type, WrittenType.WithTriviaFrom(declaration.Type)));
            var initialized = false;
            if (declarator.Initializer is { Value: var initializer })
            {
                if (!TryRewriteCreation(initializer))
                {
                    return false;
                }

                initialized = true;
            }

            var references = types
                .SelectMany(reference => reference.GetSyntax(_cancellationToken).DescendantNodes())
                .OfType<IdentifierNameSyntax>()
                .Where(name => name.Identifier.ValueText == _field.Name && Same(_model.GetSymbolInfo(name, _cancellationToken).Symbol?.OriginalDefinition, _field))
                .ToList();
            foreach (var reference in references)
            {
                var access = Access(reference);
                if (access.Parent is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment
                    && assignment.Left == access
                    && InConstructor(assignment))
                {
                    if (!TryRewriteCreation(assignment.Right))
                    {
                        return false;
                    }

                    _rewritten.Add(reference);
                    initialized = true;
                }
                else if (IsGetOrAdd(access) && !TryRewriteUse(reference, access))
                {
                    return false;
                }
            }

            // Left over: uses with no rewrite (Count, TryGetValue, an indexer read outside a release), so no fix at all.
            if (!initialized || !references.All(_rewritten.Contains))
            {
                return false;
            }

            _importRuntime = ImportIsSafe(declarator);
            return true;
        }

        /// <summary>
        /// Whether <c>using Nuzantara.Concurrency;</c> leaves every name of the file meaning what it meant: a file
        /// that uses Nito.AsyncEx's <c>AsyncLock</c> by its simple name would find it ambiguous with the runtime's.
        /// </summary>
        private bool ImportIsSafe(SyntaxNode position)
        {
            var keyedLock = _model.Compilation.GetTypeByMetadataName(FixSyntax.RuntimeNamespace + ".KeyedAsyncLock`1")!;
            if (_model.LookupNamespacesAndTypes(position.SpanStart, name: keyedLock.Name).Any(symbol => Same(symbol.OriginalDefinition, keyedLock)))
            {
                return true;
            }

            var runtime = keyedLock.ContainingNamespace;
            // Attributes are also named without their suffix: [ThreadSafe] can mean a user's own ThreadSafeAttribute.
            var runtimeNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in runtime.GetTypeMembers().Select(type => type.Name))
            {
                runtimeNames.Add(name);
                runtimeNames.Add(name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name);
            }

            return !position.SyntaxTree.GetRoot(_cancellationToken).DescendantNodes()
                .OfType<SimpleNameSyntax>()
                .Where(name => runtimeNames.Contains(name.Identifier.ValueText) && IsUnqualified(name) && !_replaced.Any(span => span.Contains(name.Span)))
                .Any(name => _model.GetSymbolInfo(name, _cancellationToken).Symbol switch
                {
                    INamedTypeSymbol type => !Same(type.ContainingNamespace, runtime),
                    IMethodSymbol { MethodKind: MethodKind.Constructor } constructor => !Same(constructor.ContainingNamespace, runtime),
                    _ => false,
                });
        }

        private static bool IsUnqualified(SimpleNameSyntax name)
            => name.Parent switch
            {
                QualifiedNameSyntax qualified => qualified.Left == name,
                MemberAccessExpressionSyntax member => member.Expression == name,
                AliasQualifiedNameSyntax => false,
                _ => true,
            };

        /// <summary><c>KeyedAsyncLock&lt;K&gt;</c>, spelling <c>K</c> as the declaration did when it can.</summary>
        private GenericNameSyntax KeyedType(VariableDeclarationSyntax declaration)
        {
            var generic = declaration.Type switch
            {
                GenericNameSyntax name => name,
                QualifiedNameSyntax { Right: GenericNameSyntax name } => name,
                AliasQualifiedNameSyntax { Name: GenericNameSyntax name } => name,
                _ => null,
            };
            var key = generic is { TypeArgumentList.Arguments: { Count: 2 } arguments }
                && Same(_model.GetTypeInfo(arguments[0], _cancellationToken).Type, _map.Key)
                    ? arguments[0].WithoutTrivia()
                    : ParseTypeName(_map.Key.ToMinimalDisplayString(_model, declaration.SpanStart));
            return GenericName(Identifier("KeyedAsyncLock"), TypeArgumentList(SingletonSeparatedList(key)));
        }

        /// <summary><c>new()</c> and <c>new ConcurrentDictionary&lt;K, V&gt;(comparer)</c> keep only the comparer.</summary>
        private bool TryRewriteCreation(ExpressionSyntax value)
        {
            if (value is not BaseObjectCreationExpressionSyntax { Initializer: null } creation
                || _model.GetOperation(creation, _cancellationToken) is not IObjectCreationOperation { Constructor: { } constructor } operation)
            {
                return false;
            }

            var compilation = _model.Compilation;
            var definition = constructor.ContainingType.OriginalDefinition;
            var isDictionary = Same(definition, compilation.GetTypeByMetadataName("System.Collections.Concurrent.ConcurrentDictionary`2"))
                || Same(definition, compilation.GetTypeByMetadataName("System.Collections.Generic.Dictionary`2"));
            var equalityComparer = compilation.GetTypeByMetadataName("System.Collections.Generic.IEqualityComparer`1");
            ExpressionSyntax? comparer = null;
            foreach (var argument in operation.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue))
            {
                var type = argument.Parameter?.Type;
                if (isDictionary && Same(type?.OriginalDefinition, equalityComparer))
                {
                    comparer = ((ArgumentSyntax)argument.Syntax).Expression;
                }
                else if (!isDictionary || type?.SpecialType != SpecialType.System_Int32)
                {
                    // Initial contents, or a subclass's own arguments: not a plain empty dictionary.
                    return false;
                }

                // A capacity or concurrency level tunes the dictionary and has no counterpart in the keyed lock.
            }

            var arguments = comparer is null
                ? ArgumentList()
                : ArgumentList(SeparatedList(new[] { Argument(LiteralExpression(SyntaxKind.NullLiteralExpression)), Argument(comparer.WithoutTrivia()) }));
            _replaced.Add(creation.Span);
            _edits.Add(editor => editor.ReplaceNode(
                creation,
                (creation is ImplicitObjectCreationExpressionSyntax
                    ? ImplicitObjectCreationExpression(arguments, null)
                    : (ExpressionSyntax)ObjectCreationExpression(WrittenType, arguments, null)).WithTriviaFrom(creation)));
            return true;
        }

        private static bool IsGetOrAdd(ExpressionSyntax access)
            => access.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetOrAdd", Parent: InvocationExpressionSyntax } member
                && member.Expression == access;

        /// <summary>
        /// A use starts at <c>_locks.GetOrAdd(key, _ => new …)</c>, either inline or stored in a local that the next
        /// statement uses; the statement that uses the lock decides the shape.
        /// </summary>
        private bool TryRewriteUse(IdentifierNameSyntax reference, ExpressionSyntax access)
        {
            var getOrAdd = (InvocationExpressionSyntax)access.Parent!.Parent!;
            if (_model.GetOperation(getOrAdd, _cancellationToken) is not IInvocationOperation operation
                || !_dictionaries.IsConcurrentDictionary(operation.TargetMethod.ContainingType)
                || ArgumentFor(operation, "key") is not { } key
                || !CreatesFreshLock((ArgumentFor(operation, "valueFactory") ?? ArgumentFor(operation, "value"))?.Value))
            {
                return false;
            }

            var source = new LockSource(access.WithoutTrivia(), ((ArgumentSyntax)key.Syntax).Expression.WithoutTrivia(), getOrAdd);
            if (getOrAdd.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax gate }
                && gate.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, Parent: BlockSyntax block } declaration })
            {
                if (_model.GetDeclaredSymbol(gate, _cancellationToken) is not ILocalSymbol local || !source.StoreIn(declaration, local, block, _model, _cancellationToken))
                {
                    return false;
                }
            }

            var consumed = source.Use.Parent switch
            {
                LockStatementSyntax statement when statement.Expression == source.Use => TryRewriteLock(source, statement),
                MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WaitAsync", Parent: InvocationExpressionSyntax wait } when _map.Family == LockFamily.SemaphoreSlim => TryRewriteSemaphore(source, wait),
                MemberAccessExpressionSyntax { Name.Identifier.ValueText: "LockAsync" or "TryLockAsync", Parent: InvocationExpressionSyntax call } => TryRewriteAsyncLock(source, call),
                _ => null,
            };
            if (consumed is null || !source.GateUses.All(consumed.Contains))
            {
                return false;
            }

            _rewritten.Add(reference);
            _rewritten.UnionWith(consumed);
            return true;
        }

        /// <summary><c>lock (_locks.GetOrAdd(key, _ => new object())) { … }</c> in async code → <c>using (await _locks.LockAsync(key, ct)) { … }</c>.</summary>
        private List<SyntaxNode>? TryRewriteLock(LockSource source, LockStatementSyntax statement)
        {
            if (_map.Family is not (null or LockFamily.ThreadingLock) || !source.Precedes(statement) || !FixSyntax.CanAwait(statement))
            {
                return null;
            }

            var acquire = AwaitExpression(source.Call("LockAsync", FixSyntax.CancellationToken(statement, _model, null)));
            source.RemoveDeclaration(_edits, _replaced);
            _replaced.Add(statement.Expression.Span);
            var leading = source.LeadingTrivia(statement);
            _edits.Add(editor => editor.ReplaceNode(statement, (current, _) =>
                UsingStatement(null, acquire, ((LockStatementSyntax)current).Statement)
                    .WithLeadingTrivia(leading)
                    .WithTrailingTrivia(current.GetTrailingTrivia())));
            return source.Consumed();
        }

        /// <summary>
        /// <c>await gate.WaitAsync([ct]); try { … } finally { gate.Release(); }</c> → <c>using (await _locks.LockAsync(key, ct)) { … }</c>;
        /// <c>if (!await gate.WaitAsync(timeout[, ct])) { leave } try …</c> → <c>TryLockAsync</c> and <c>if (!handle.IsAcquired) { leave }</c>.
        /// </summary>
        private List<SyntaxNode>? TryRewriteSemaphore(LockSource source, InvocationExpressionSyntax wait)
        {
            if (_model.GetOperation(wait, _cancellationToken) is not IInvocationOperation operation)
            {
                return null;
            }

            var explicitArguments = operation.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).ToList();
            var timeout = explicitArguments.FirstOrDefault(a => a.Parameter?.Type.SpecialType == SpecialType.System_Int32 || a.Parameter?.Type.Name == nameof(TimeSpan));
            var token = explicitArguments.FirstOrDefault(a => a.Parameter?.Type.Name == nameof(CancellationToken));
            ExpressionSyntax awaited = wait;
            ArgumentListSyntax? configureAwait = null;
            if (wait.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured })
            {
                awaited = configured;
                configureAwait = configured.ArgumentList;
            }

            StatementSyntax acquisition;
            IfStatementSyntax? guard = null;
            if (awaited.Parent is not AwaitExpressionSyntax awaitExpression)
            {
                return null;
            }
            else if (timeout is null && awaitExpression.Parent is ExpressionStatementSyntax statement)
            {
                acquisition = statement;
            }
            else if (timeout is not null
                && awaitExpression.Parent is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression, Parent: IfStatementSyntax { Else: null } check }
                && Leaves(check.Statement)
                && !check.Statement.DescendantNodesAndSelf().Any(n => n is AwaitExpressionSyntax or LockStatementSyntax))
            {
                acquisition = guard = check;
            }
            else
            {
                return null;
            }

            if (!source.Precedes(acquisition) || acquisition.Parent is not BlockSyntax block)
            {
                return null;
            }

            var next = block.Statements.IndexOf(acquisition) + 1;
            if (next >= block.Statements.Count
                || block.Statements[next] is not TryStatementSyntax { Catches.Count: 0, Finally.Block.Statements.Count: 1 } tryStatement
                || tryStatement.Finally.Block.Statements[0] is not ExpressionStatementSyntax { Expression: InvocationExpressionSyntax release }
                || ReleasedBy(release, source) is not { } released)
            {
                return null;
            }

            var cancellation = FixSyntax.CancellationToken(acquisition, _model, (token?.Syntax as ArgumentSyntax)?.Expression);
            InvocationExpressionSyntax call;
            if (timeout is null)
            {
                call = source.Call("LockAsync", cancellation);
            }
            else
            {
                var time = ((ArgumentSyntax)timeout.Syntax).Expression.WithoutTrivia();
                if (timeout.Parameter!.Type.SpecialType == SpecialType.System_Int32)
                {
                    // TryLockAsync takes a TimeSpan; -1 ms is Timeout.InfiniteTimeSpan, as -1 was for WaitAsync.
                    time = InvocationExpression(
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("TimeSpan"), IdentifierName("FromMilliseconds")),
                        ArgumentList(SingletonSeparatedList(Argument(time))));
                    _needsSystem = true;
                }

                call = source.Call("TryLockAsync", cancellation, time);
            }

            ExpressionSyntax acquire = configureAwait is null
                ? call
                : InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, call, IdentifierName("ConfigureAwait")), configureAwait);
            var handle = guard is null ? null : HandleName(source, guard);
            source.RemoveDeclaration(_edits, _replaced);
            _replaced.Add(acquisition.Span);
            var leading = source.LeadingTrivia(acquisition);
            _edits.Add(editor => editor.RemoveNode(acquisition, SyntaxRemoveOptions.KeepNoTrivia));
            _edits.Add(editor => editor.ReplaceNode(tryStatement, (current, _) =>
            {
                var body = ((TryStatementSyntax)current).Block;
                var usingStatement = guard is null
                    ? UsingStatement(null, AwaitExpression(acquire), body)
                    : UsingStatement(
                        VariableDeclaration(IdentifierName("var"), SingletonSeparatedList(VariableDeclarator(Identifier(handle!)).WithInitializer(EqualsValueClause(AwaitExpression(acquire))))),
                        null,
                        body.WithStatements(body.Statements.Insert(0, IsAcquiredCheck(guard, handle!))));
                return usingStatement.WithLeadingTrivia(leading).WithTrailingTrivia(current.GetTrailingTrivia());
            }));
            released.AddRange(source.Consumed());
            return released;
        }

        /// <summary>The guard, now asking the handle: <c>if (!handle.IsAcquired) { return …; }</c>, followed by a blank line.</summary>
        private static IfStatementSyntax IsAcquiredCheck(IfStatementSyntax guard, string handle)
        {
            var trailing = guard.GetTrailingTrivia();
            var endOfLine = trailing.LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            return guard
                .WithCondition(PrefixUnaryExpression(
                    SyntaxKind.LogicalNotExpression,
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(handle), IdentifierName("IsAcquired"))))
                .WithLeadingTrivia()
                .WithTrailingTrivia(endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? trailing.Add(endOfLine) : trailing)
                .WithAdditionalAnnotations(Formatter.Annotation);
        }

        /// <summary>The lock the <c>finally</c> releases: the stored local, or <c>_locks[key]</c> with the same key.</summary>
        private List<SyntaxNode>? ReleasedBy(InvocationExpressionSyntax release, LockSource source)
        {
            if (release is not { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Release" } member, ArgumentList.Arguments.Count: 0 })
            {
                return null;
            }

            if (member.Expression is IdentifierNameSyntax name && source.IsGate(name))
            {
                return new List<SyntaxNode> { name };
            }

            if (member.Expression is ElementAccessExpressionSyntax { ArgumentList.Arguments.Count: 1 } element
                && SyntaxFactory.AreEquivalent(element.ArgumentList.Arguments[0].Expression, source.Key)
                && ReferenceIn(element.Expression) is { } dictionary)
            {
                return new List<SyntaxNode> { dictionary };
            }

            return null;
        }

        /// <summary>
        /// <c>await _locks.GetOrAdd(key, _ => new AsyncLock()).LockAsync(ct)</c> → <c>await _locks.LockAsync(key, ct)</c>:
        /// a Nito.AsyncEx <c>AsyncLock</c> (<c>LockAsync([ct])</c>) or the runtime's (<c>LockAsync</c>/<c>TryLockAsync</c>, same arguments).
        /// </summary>
        private List<SyntaxNode>? TryRewriteAsyncLock(LockSource source, InvocationExpressionSyntax call)
        {
            var runtime = _map.Family == LockFamily.Nuzantara && _map.Value.ToDisplayString() == FixSyntax.RuntimeNamespace + ".AsyncLock";
            var nito = _map.Family == LockFamily.NitoAsyncLock && ((MemberAccessExpressionSyntax)call.Expression).Name.Identifier.ValueText == "LockAsync";
            if (!(runtime || nito)
                || _model.GetOperation(call, _cancellationToken) is not IInvocationOperation operation
                || (nito && operation.Arguments.Any(a => a.ArgumentKind != ArgumentKind.DefaultValue && a.Parameter?.Type.Name != nameof(CancellationToken)))
                || !IsAwaited(call)
                || call.FirstAncestorOrSelf<StatementSyntax>() is not { } statement
                || !source.Precedes(statement))
            {
                return null;
            }

            var arguments = call.ArgumentList.Arguments;
            var hasToken = operation.Arguments.Any(a => a.ArgumentKind != ArgumentKind.DefaultValue && a.Parameter?.Type.Name == nameof(CancellationToken));
            if (!hasToken && arguments.All(a => a.NameColon is null) && FixSyntax.CancellationToken(call, _model, null) is { } token)
            {
                arguments = arguments.Add(Argument(token));
            }

            var name = ((MemberAccessExpressionSyntax)call.Expression).Name.Identifier.ValueText;
            var replacement = source.Call(name, null).WithArgumentList(ArgumentList(arguments.Insert(0, Argument(source.Key))));
            source.RemoveDeclaration(_edits, _replaced);
            _replaced.Add(call.Span);
            _edits.Add(editor => editor.ReplaceNode(call, replacement.WithTriviaFrom(call)));
            return source.Consumed();
        }

        private static bool IsAwaited(InvocationExpressionSyntax call)
            => call.Parent is AwaitExpressionSyntax
                || call.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax { Parent: AwaitExpressionSyntax } };

        /// <summary>The field reference inside <c>_locks</c> or <c>this._locks</c>, if the expression is this field.</summary>
        private IdentifierNameSyntax? ReferenceIn(ExpressionSyntax expression)
        {
            var name = expression switch
            {
                IdentifierNameSyntax identifier => identifier,
                MemberAccessExpressionSyntax { Name: IdentifierNameSyntax identifier } => identifier,
                _ => null,
            };
            return name is not null && Same(_model.GetSymbolInfo(name, _cancellationToken).Symbol?.OriginalDefinition, _field) ? name : null;
        }

        /// <summary>A factory that makes a new lock of the value type; a semaphore must admit one holder, as the keyed lock does.</summary>
        private bool CreatesFreshLock(IOperation? value)
        {
            value = value.WithoutConversions();
            if (value is IDelegateCreationOperation delegateCreation)
            {
                value = delegateCreation.Target;
            }

            if (value is IAnonymousFunctionOperation function)
            {
                value = function.Body.Operations.Length == 1 && function.Body.Operations[0] is IReturnOperation { ReturnedValue: var returned }
                    ? returned.WithoutConversions()
                    : null;
            }

            return value is IObjectCreationOperation creation
                && Same(creation.Type, _map.Value)
                && (_map.Family != LockFamily.SemaphoreSlim || IsMutualExclusion(creation.Arguments));
        }

        private static bool IsMutualExclusion(ImmutableArray<IArgumentOperation> arguments)
            => arguments.Length is 1 or 2 && arguments.All(a => a.Value.ConstantValue is { HasValue: true, Value: 1 });

        private bool InConstructor(SyntaxNode node)
        {
            foreach (var ancestor in node.Ancestors())
            {
                switch (ancestor)
                {
                    case ConstructorDeclarationSyntax constructor:
                        return constructor.Modifiers.Any(SyntaxKind.StaticKeyword) == _field.IsStatic;
                    case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax:
                        return false;
                }
            }

            return false;
        }

        /// <summary>The guard's body leaves the block, so that the code after the guard runs only with the lock held.</summary>
        private static bool Leaves(StatementSyntax statement) => statement switch
        {
            ReturnStatementSyntax or ThrowStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax => true,
            BlockSyntax { Statements.Count: > 0 } block => Leaves(block.Statements.Last()),
            _ => false,
        };

        /// <summary>
        /// The handle's name: the removed local's when there was one, else <c>handle</c>, numbered past names in scope
        /// and past the handles of guarded acquisitions this one is nested in.
        /// </summary>
        private string HandleName(LockSource source, IfStatementSyntax guard)
        {
            if (source.GateName is { } gate)
            {
                return gate;
            }

            var function = guard.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) ?? guard;
            var declared = new HashSet<string>(
                function.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken) && t.Parent is VariableDeclaratorSyntax or SingleVariableDesignationSyntax or ParameterSyntax or ForEachStatementSyntax or CatchDeclarationSyntax or LocalFunctionStatementSyntax).Select(t => t.ValueText),
                StringComparer.Ordinal);
            var outer = guard.Ancestors().OfType<TryStatementSyntax>().Count(t => t.Parent is BlockSyntax block
                && block.Statements.IndexOf(t) is > 0 and var index
                && block.Statements[index - 1] is IfStatementSyntax { Condition: PrefixUnaryExpressionSyntax { Operand: AwaitExpressionSyntax } });
            for (var number = outer + 1; ; number++)
            {
                var name = number == 1 ? "handle" : "handle" + number;
                if (!declared.Contains(name) && _model.LookupSymbols(guard.SpanStart, name: name).IsEmpty)
                {
                    return name;
                }
            }
        }

        private static ExpressionSyntax Access(IdentifierNameSyntax reference)
            => reference.Parent is MemberAccessExpressionSyntax member && member.Name == reference ? member : reference;

        private static IArgumentOperation? ArgumentFor(IInvocationOperation invocation, string parameter)
            => invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameter && a.ArgumentKind != ArgumentKind.DefaultValue);

        private static bool Same(ISymbol? left, ISymbol? right) => SymbolEqualityComparer.Default.Equals(left, right);
    }

    /// <summary>
    /// Where a lock comes from: <c>_locks.GetOrAdd(key, …)</c> used in place, or stored in a local
    /// (<c>var gate = _locks.GetOrAdd(…);</c>) that only the next statement and its <c>finally</c> use.
    /// </summary>
    private sealed class LockSource
    {
        private LocalDeclarationStatementSyntax? _declaration;
        private ILocalSymbol? _gate;
        private BlockSyntax? _block;

        internal LockSource(ExpressionSyntax dictionary, ExpressionSyntax key, InvocationExpressionSyntax getOrAdd)
        {
            Dictionary = dictionary;
            Key = key;
            Use = getOrAdd;
        }

        /// <summary><c>_locks</c> or <c>this._locks</c>, as written.</summary>
        internal ExpressionSyntax Dictionary { get; }

        internal ExpressionSyntax Key { get; }

        /// <summary>The expression the lock is used through: the <c>GetOrAdd</c> call, or the local in the next statement.</summary>
        internal ExpressionSyntax Use { get; private set; }

        /// <summary>Every reference to the stored local; a rewrite must account for all of them.</summary>
        internal IReadOnlyList<IdentifierNameSyntax> GateUses { get; private set; } = Array.Empty<IdentifierNameSyntax>();

        internal string? GateName => _gate?.Name;

        internal bool StoreIn(LocalDeclarationStatementSyntax declaration, ILocalSymbol gate, BlockSyntax block, SemanticModel model, CancellationToken cancellationToken)
        {
            var index = block.Statements.IndexOf(declaration);
            GateUses = block.DescendantNodes()
                .OfType<IdentifierNameSyntax>()
                .Where(name => name.Identifier.ValueText == gate.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, gate))
                .ToList();
            if (index + 1 >= block.Statements.Count || GateUses.FirstOrDefault(use => block.Statements[index + 1].Span.Contains(use.Span)) is not { } use)
            {
                return false;
            }

            _declaration = declaration;
            _gate = gate;
            _block = block;
            Use = use;
            return true;
        }

        internal bool IsGate(IdentifierNameSyntax name) => _gate is not null && GateUses.Contains(name);

        /// <summary>Whether the statement using the lock is the declaration's next statement (always true in place).</summary>
        internal bool Precedes(StatementSyntax statement)
            => _declaration is null || (statement.Parent == _block && _block!.Statements.IndexOf(statement) == _block.Statements.IndexOf(_declaration) + 1);

        /// <summary><c>_locks.Method(key[, extra][, token])</c>.</summary>
        internal InvocationExpressionSyntax Call(string method, ExpressionSyntax? token, ExpressionSyntax? extra = null)
        {
            var arguments = new List<ArgumentSyntax> { Argument(Key) };
            if (extra is not null)
            {
                arguments.Add(Argument(extra));
            }

            if (token is not null)
            {
                arguments.Add(Argument(token.WithoutTrivia()));
            }

            return InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Dictionary, IdentifierName(method)),
                ArgumentList(SeparatedList(arguments)));
        }

        /// <summary>The trivia the rewritten statement starts with: the removed declaration's, if any, so comments above it stay.</summary>
        internal SyntaxTriviaList LeadingTrivia(StatementSyntax statement) => (_declaration ?? statement).GetLeadingTrivia();

        internal void RemoveDeclaration(List<Action<DocumentEditor>> edits, List<TextSpan> replaced)
        {
            if (_declaration is { } declaration)
            {
                replaced.Add(declaration.Span);
                edits.Add(editor => editor.RemoveNode(declaration, SyntaxRemoveOptions.KeepNoTrivia));
            }
        }

        internal List<SyntaxNode> Consumed() => GateUses.Where(use => use == Use).Cast<SyntaxNode>().ToList();
    }
}
