using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Rules;

/// <summary>
/// NZ1005: switches the lock field to Nuzantara.Concurrency's <c>AsyncLock</c> (same name) and rewrites every
/// <c>Monitor.Enter(_sync); try { … } finally { Monitor.Exit(_sync); }</c> of it, or the same shape with a
/// <c>ReaderWriterLockSlim</c> write lock or a <c>System.Threading.Lock</c>, into
/// <c>using (await _sync.LockAsync(ct)) { … }</c>, all in one edit so that the code compiles. No fix unless every use
/// of the field in its type has that shape inside an async function.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ThreadAffineLockAcrossAwaitCodeFixProvider))]
[Shared]
public sealed class ThreadAffineLockAcrossAwaitCodeFixProvider : DocumentFixProvider
{
    private const string Key = "NZ1005.AsyncLock";

    private const string AsyncLockName = "AsyncLock";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ThreadAffineLockAcrossAwait);

    internal override ImmutableArray<FixPlan> Plan(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        var apis = LockApis.Create(model.Compilation);
        var asyncLock = model.Compilation.GetTypeByMetadataName(FixSyntax.RuntimeNamespace + "." + AsyncLockName);
        if (asyncLock is null
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation
            || apis.Classify(operation) is not { TargetSymbol: IFieldSymbol { DeclaredAccessibility: Accessibility.Private } field } call
            || LockField(field, call.Family, root) is not { } declarator
            || declarator.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type
            || field.ContainingType.DeclaringSyntaxReferences.Length != 1
            || Sites(field, type, model, apis, cancellationToken) is not { } sites)
        {
            return ImmutableArray<FixPlan>.Empty;
        }

        // Where Nito.AsyncEx (or anything else named AsyncLock) is in scope, the runtime's type is spelled out in full.
        var inScope = model.LookupNamespacesAndTypes(declarator.SpanStart, name: AsyncLockName);
        var qualified = inScope.Any(t => !SymbolEqualityComparer.Default.Equals(t, asyncLock));
        var typeName = ParseTypeName(qualified ? FixSyntax.RuntimeNamespace + "." + AsyncLockName : AsyncLockName);
        var declaration = (VariableDeclarationSyntax)declarator.Parent!;
        var initializer = declarator.Initializer!.Value;
        var plan = new FixPlan(
            $"Switch '{field.Name}' to AsyncLock",
            Key,
            editor =>
            {
                editor.ReplaceNode(declaration.Type, typeName.WithTriviaFrom(declaration.Type));
                editor.ReplaceNode(initializer, ImplicitObjectCreationExpression().WithTriviaFrom(initializer));
                foreach (var (acquire, tryStatement) in sites)
                {
                    var token = FixSyntax.CancellationToken(tryStatement, model, null);
                    var lockAsync = InvocationExpression(
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(field.Name), IdentifierName("LockAsync")),
                        ArgumentList(token is null ? default : SingletonSeparatedList(Argument(token))));
                    FixSyntax.ReplaceTryFinallyWithUsing(editor, acquire, tryStatement, AwaitExpression(lockAsync));
                }
            },
            qualified ? System.Array.Empty<string>() : new[] { FixSyntax.RuntimeNamespace })
        {
            // Every diagnostic on this field plans the same rewrite of the field and all its uses.
            DocumentWideKey = Key + ":" + declarator.SpanStart,
        };
        return ImmutableArray.Create(plan);
    }

    /// <summary>
    /// The field's declarator when it is this document's single-variable field of the lock's own type, created with a
    /// parameterless <c>new()</c>: settings such as a recursion policy would be lost in the switch.
    /// </summary>
    private static VariableDeclaratorSyntax? LockField(IFieldSymbol field, LockFamily family, SyntaxNode root)
    {
        var expectedType = family switch
        {
            LockFamily.Monitor => "object",
            LockFamily.ReaderWriterLockSlim => "System.Threading.ReaderWriterLockSlim",
            LockFamily.ThreadingLock => "System.Threading.Lock",
            _ => null,
        };
        return expectedType is not null
            && field.Type.ToDisplayString() == expectedType
            && field.DeclaringSyntaxReferences.Length == 1
            && field.DeclaringSyntaxReferences[0].SyntaxTree == root.SyntaxTree
            && root.FindNode(field.DeclaringSyntaxReferences[0].Span) is VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1 } } declarator
            && declarator.Initializer?.Value is BaseObjectCreationExpressionSyntax { ArgumentList: null or { Arguments.Count: 0 }, Initializer: null }
                ? declarator
                : null;
    }

    /// <summary>
    /// Every <c>acquire; try { … } finally { release; }</c> of the field in its type, or null when any reference to the
    /// field is something else (a <c>lock</c> statement, a read lock, a synchronous method, an assignment).
    /// </summary>
    private static List<(StatementSyntax Acquire, TryStatementSyntax Try)>? Sites(IFieldSymbol field, TypeDeclarationSyntax type, SemanticModel model, LockApis apis, CancellationToken cancellationToken)
    {
        var sites = new List<(StatementSyntax, TryStatementSyntax)>();
        var covered = new HashSet<InvocationExpressionSyntax>();
        foreach (var invocation in type.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (model.GetOperation(invocation, cancellationToken) is IInvocationOperation operation
                && apis.Classify(operation) is { Operation: LockOperation.Acquire } call
                && SymbolEqualityComparer.Default.Equals(call.TargetSymbol, field)
                && Site(call, invocation, model, apis) is var (acquire, tryStatement, release))
            {
                sites.Add((acquire, tryStatement));
                covered.Add(invocation);
                covered.Add(release);
            }
        }

        var everyUseRewritten = type.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(name => name.Identifier.Text == field.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, field))
            .All(name => name.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } use && covered.Contains(use));
        return everyUseRewritten && sites.Count > 0 ? sites : null;
    }

    /// <summary>One rewritable use: an exclusive acquisition statement directly followed by the try whose finally only releases it, in an async function.</summary>
    private static (StatementSyntax Acquire, TryStatementSyntax Try, InvocationExpressionSyntax Release)? Site(LockCall call, InvocationExpressionSyntax invocation, SemanticModel model, LockApis apis)
    {
        var exclusive = call.Family == LockFamily.ReaderWriterLockSlim ? call.Mode == "write" : call.Invocation.Arguments.Length == (call.Family == LockFamily.Monitor ? 1 : 0);
        if (!exclusive
            || LockRegions.ReturnsReleaser(call)
            || invocation.Parent is not ExpressionStatementSyntax { Parent: BlockSyntax block } acquire
            || block.Statements.IndexOf(acquire) + 1 is var next && next >= block.Statements.Count
            || block.Statements[next] is not TryStatementSyntax { Catches.Count: 0, Finally.Block.Statements.Count: 1 } tryStatement
            || tryStatement.Finally!.Block.Statements[0] is not ExpressionStatementSyntax { Expression: InvocationExpressionSyntax release }
            || model.GetOperation(release) is not IInvocationOperation releaseOperation
            || apis.Classify(releaseOperation) is not { Operation: LockOperation.Release } releaseCall
            || !LockRegions.SameLock(call, releaseCall)
            || !FixSyntax.CanAwait(acquire))
        {
            return null;
        }

        return (acquire, tryStatement, release);
    }
}
