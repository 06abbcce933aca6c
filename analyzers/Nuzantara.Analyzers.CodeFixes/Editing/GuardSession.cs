using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nuzantara.Analyzers.Editing;

/// <summary>One span to guard with one lock, as planned for one diagnostic.</summary>
internal sealed class GuardRequest
{
    internal GuardRequest(GuardSpan span, GuardLock guard, ExpressionSyntax lockExpression, ExpressionSyntax? token, TimeSpan timeout, bool configureAwait, bool targetTypedNew, MakeAsync? makeAsync, ImmutableHashSet<IMethodSymbol> calledMethods)
    {
        Span = span;
        Lock = guard;
        LockExpression = lockExpression;
        Token = token;
        Timeout = timeout;
        ConfigureAwait = configureAwait;
        TargetTypedNew = targetTypedNew;
        MakeAsync = makeAsync;
        CalledMethods = calledMethods;
        First = span.First;
        Last = span.Last;
    }

    internal GuardSpan Span { get; }

    internal GuardLock Lock { get; }

    internal ExpressionSyntax LockExpression { get; }

    internal ExpressionSyntax? Token { get; }

    internal TimeSpan Timeout { get; }

    internal bool ConfigureAwait { get; }

    internal bool TargetTypedNew { get; }

    internal MakeAsync? MakeAsync { get; }

    internal ImmutableHashSet<IMethodSymbol> CalledMethods { get; }

    /// <summary>The statement range, widened when overlapping requests of the same lock merge.</summary>
    internal int First { get; set; }

    internal int Last { get; set; }

    internal Microsoft.CodeAnalysis.Text.TextSpan TextSpan
        => Span.Container is null
            ? Span.Span
            : Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(GuardSyntax.StatementsOf(Span.Container)[First].SpanStart, GuardSyntax.StatementsOf(Span.Container)[Last].Span.End);

    internal string Identity => Span.ContainingType.ToDisplayString() + "|" + Lock.Identity;

    internal ExpressionSyntax? Acquire()
        => Lock.IsAsync ? GuardSyntax.Acquire(Lock, LockExpression, Token, Timeout, ConfigureAwait) : null;
}

/// <summary>
/// The guards of one fix pass over a document, applied together: spans of the same lock that overlap merge, a span
/// inside another of the same lock is dropped (it is already covered, and nesting would deadlock), a span whose code
/// calls a method another span guards with the same lock is left alone (it would wait for itself), and every type gets
/// each inserted lock field once.
/// </summary>
internal sealed class GuardSession
{
    private static readonly ConditionalWeakTable<DocumentEditor, GuardSession> Sessions = new();

    private readonly List<GuardRequest> _requests = new();

    internal static void Add(DocumentEditor editor, GuardRequest request) => Sessions.GetValue(editor, _ => new GuardSession())._requests.Add(request);

    /// <summary>Records the edits of every request added for this editor, then forgets them.</summary>
    internal static void Commit(DocumentEditor editor)
    {
        if (Sessions.TryGetValue(editor, out var session))
        {
            Sessions.Remove(editor);
            session.Apply(editor);
        }
    }

    private void Apply(DocumentEditor editor)
    {
        var accepted = Merge(_requests.Where(r => !CallsAnotherGuard(r)).OrderBy(r => r.TextSpan.Start).ToList());

        // Callers awaiting a method made async come first: they sit inside statements that later edits move.
        var madeAsync = accepted.Select(r => r.MakeAsync).Where(m => m is not null).GroupBy(m => m!.Method).Select(g => g.First()!).ToList();
        foreach (var method in madeAsync)
        {
            method.Apply(editor, accepted.First(r => r.MakeAsync?.Method == method.Method).ConfigureAwait);
        }

        // Inner containers first, so that an outer rewrite moves statements that already carry their own edits.
        foreach (var group in accepted.Where(r => r.Span.Container is not null).GroupBy(r => r.Span.Container!).OrderByDescending(g => g.Key.Ancestors().Count()))
        {
            var ranges = group.OrderByDescending(r => r.First).ToList();
            editor.ReplaceNode(group.Key, (current, _) =>
            {
                var statements = GuardSyntax.StatementsOf(current);
                foreach (var request in ranges)
                {
                    var covered = statements.Skip(request.First).Take(request.Last - request.First + 1).ToList();
                    var guard = GuardSyntax.Guard(request.Lock, request.LockExpression, request.Acquire(), covered);
                    if (request.Last + 1 < statements.Count)
                    {
                        guard = GuardSyntax.WithBlankLineBefore(guard, statements[request.Last + 1]);
                    }

                    var rebuilt = statements.Take(request.First).Concat(new[] { guard }).Concat(statements.Skip(request.Last + 1));
                    statements = List(rebuilt);
                }

                var rewritten = GuardSyntax.WithStatements(current, statements);

                // A block written on one line (`async () => { … }`) is laid out anew: a guard inside cannot stay on one line.
                return current.DescendantTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia))
                    ? rewritten
                    : OnNewLines(rewritten);
            });
        }

        foreach (var request in accepted.Where(r => r.Span.Container is null).GroupBy(r => r.Span.Function).Select(g => g.First()))
        {
            editor.ReplaceNode(request.Span.Function, (current, _) => GuardExpressionBody(current, request));
        }

        foreach (var method in madeAsync)
        {
            method.ApplySignature(editor);
        }

        InsertFields(editor, accepted);
    }

    /// <summary>
    /// Fix All: a span that calls (directly or through the type's methods) a method in which another span takes the
    /// same lock would wait for itself. It is left as it is; the callee's guard still protects its own state.
    /// </summary>
    private bool CallsAnotherGuard(GuardRequest request)
        => _requests.Any(other => other != request
            && other.Identity == request.Identity
            && !request.TextSpan.Contains(other.TextSpan)
            && request.CalledMethods.Contains(other.Span.FunctionSymbol.OriginalDefinition));

    /// <summary>Merges until nothing changes: a range widened by one merge can reach the next request.</summary>
    private static List<GuardRequest> Merge(List<GuardRequest> requests)
    {
        var merged = MergeOnce(requests);
        while (merged.Count < requests.Count)
        {
            requests = merged;
            merged = MergeOnce(requests);
        }

        return merged;
    }

    private static List<GuardRequest> MergeOnce(List<GuardRequest> requests)
    {
        var accepted = new List<GuardRequest>();
        foreach (var request in requests)
        {
            var keep = true;
            foreach (var other in accepted.ToList())
            {
                var sameLock = other.Identity == request.Identity;
                if (request.Span.Container is not null && request.Span.Container == other.Span.Container
                    && (sameLock ? request.First <= other.Last + 1 && other.First <= request.Last + 1 : request.First <= other.Last && other.First <= request.Last))
                {
                    // Overlapping or adjacent runs of one block: one guard over both, or none for a second lock.
                    if (sameLock)
                    {
                        other.First = Math.Min(other.First, request.First);
                        other.Last = Math.Max(other.Last, request.Last);
                    }

                    keep = false;
                    break;
                }

                if (request.Span.Function == other.Span.Function && request.Span.Container is null && other.Span.Container is null)
                {
                    keep = false;
                    break;
                }

                if (other.TextSpan.Contains(request.TextSpan))
                {
                    keep = false;
                    break;
                }

                if (request.TextSpan.Contains(other.TextSpan))
                {
                    if (!sameLock)
                    {
                        keep = false;
                        break;
                    }

                    accepted.Remove(other);
                }
            }

            if (keep)
            {
                accepted.Add(request);
            }
        }

        return accepted;
    }

    private static SyntaxNode OnNewLines(SyntaxNode container)
    {
        var elastic = container.ReplaceTrivia(container.DescendantTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)), (_, _) => ElasticMarker);
        return (elastic is BlockSyntax block ? Block(block.Statements).WithTriviaFrom(block) : elastic).WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static SyntaxNode GuardExpressionBody(SyntaxNode function, GuardRequest request)
    {
        var symbol = request.Span.FunctionSymbol;
        var returnsValue = !symbol.ReturnsVoid
            && !(symbol.IsAsync && symbol.ReturnType is INamedTypeSymbol { Arity: 0, Name: "Task" or "ValueTask" })
            && symbol.MethodKind != MethodKind.PropertySet
            && symbol.MethodKind != MethodKind.EventAdd
            && symbol.MethodKind != MethodKind.EventRemove;
        var body = GuardSpan.ExpressionBody(function);
        if (body is null)
        {
            return function;
        }

        var block = GuardSyntax.GuardExpressionBody(request.Lock, request.LockExpression, request.Acquire(), body, returnsValue);
        return function switch
        {
            BaseMethodDeclarationSyntax method => method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(block),
            PropertyDeclarationSyntax property => property.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(Getter(block)),
            IndexerDeclarationSyntax indexer => indexer.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(Getter(block)),
            LocalFunctionStatementSyntax local => local.WithExpressionBody(null).WithSemicolonToken(default).WithBody(block),
            AccessorDeclarationSyntax accessor => accessor.WithExpressionBody(null).WithSemicolonToken(default).WithBody(block),
            AnonymousFunctionExpressionSyntax lambda => lambda.WithBody(block),
            _ => function,
        };
    }

    private static AccessorListSyntax Getter(BlockSyntax body)
        => AccessorList(SingletonList(AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, body))).WithAdditionalAnnotations(Formatter.Annotation);

    private static void InsertFields(DocumentEditor editor, List<GuardRequest> accepted)
    {
        foreach (var type in accepted.Where(r => r.Lock.IsNew).GroupBy(r => r.Span.ContainingType, SymbolEqualityComparer.Default))
        {
            var declaration = ((INamedTypeSymbol)type.Key!).DeclaringSyntaxReferences[0].GetSyntax() as TypeDeclarationSyntax;
            if (declaration is null)
            {
                continue;
            }

            var fields = type.GroupBy(r => r.Lock.Name).Select(g => GuardSyntax.Field(g.First().Lock, g.First().TargetTypedNew)).ToList();
            var lastField = declaration.Members.LastOrDefault(m => m is FieldDeclarationSyntax);
            if (lastField is null)
            {
                editor.InsertMembers(declaration, 0, fields);
            }
            else
            {
                editor.InsertAfter(lastField, fields);
            }
        }
    }
}
