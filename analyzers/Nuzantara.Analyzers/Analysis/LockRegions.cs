using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>
/// The lock regions of one function body (method, accessor, constructor, local function or lambda): each acquisition
/// with the releases that end it, where the lock is held, the awaits while it is held, and whether the release is
/// guaranteed on every path.
/// </summary>
/// <remarks>
/// <para>
/// Only pairings inside one body are judged: an acquisition with no release of the same lock after it in the body (a
/// lock released in <c>Dispose</c>, an <c>EndX</c> method or a callback) is <see cref="LockRegionKind.HandedOn"/>, held
/// for the rest of the code that follows it; a releaser returned or stored rather than put in a <c>using</c> forms no
/// region. Nested lambdas and local functions are bodies of their own: their acquisitions, releases and awaits belong
/// to them, and code inside them is never guarded by a region of the enclosing body, since it may run after the lock
/// is gone.
/// </para>
/// <para>
/// The analysis is structural, over the statements of blocks: a release is guaranteed when the acquiring statement is
/// directly followed by the <c>try</c> whose <c>finally</c> releases. Any executable statement in between breaks the
/// pairing, however harmless it looks (a log line can throw too); only local function declarations and empty
/// statements, which run nothing, and checks of the acquisition's own result (<c>if (!acquired) return;</c>) may sit
/// there.
/// </para>
/// </remarks>
internal sealed class LockRegions
{
    private static readonly ConditionalWeakTable<IOperation, LockRegions> RegionsOfBody = new();

    private static readonly ImmutableHashSet<string> HeldChecks = ImmutableHashSet.Create(
        StringComparer.Ordinal, "IsEntered", "IsHeld", "IsHeldByCurrentThread", "IsReadLockHeld", "IsWriteLockHeld", "IsUpgradeableReadLockHeld");

    private readonly SyntaxNode _body;

    private LockRegions(SyntaxNode body, ImmutableArray<LockRegion> regions)
    {
        _body = body;
        Regions = regions;
    }

    /// <summary>Every region of the body, in source order of the acquisitions.</summary>
    internal ImmutableArray<LockRegion> Regions { get; }

    /// <summary>Builds the regions of a body: an <see cref="IMethodBodyOperation"/>, constructor body, local function or lambda.</summary>
    internal static LockRegions Analyze(IOperation body, LockApis apis)
    {
        var facts = new BodyFacts(body);
        facts.Collect(body, apis);
        var builder = new RegionBuilder(facts);
        var regions = ImmutableArray.CreateBuilder<LockRegion>();
        foreach (var lockStatement in facts.LockStatements)
        {
            regions.Add(builder.LockStatement(lockStatement));
        }

        foreach (var call in facts.Calls)
        {
            if (call.Operation != LockOperation.Release
                && (ReturnsReleaser(call) ? builder.Using(call) : builder.Explicit(call)) is { } region)
            {
                regions.Add(region);
            }
        }

        return new LockRegions(body.Syntax, regions.OrderBy(r => r.Statement.SpanStart).ToImmutableArray());
    }

    /// <summary>
    /// Registers <paramref name="report"/> on every function body (method, constructor, accessor, local function,
    /// lambda) with the body's regions, in compilations that reference a lock type at all.
    /// </summary>
    internal static void RegisterBodyAction(AnalysisContext context, Action<OperationAnalysisContext, LockRegions> report)
        => context.RegisterCompilationStartAction(start =>
        {
            var apis = LockApis.Create(start.Compilation);
            if (apis.IsEmpty)
            {
                return;
            }

            start.RegisterOperationAction(
                body => report(body, Analyze(body.Operation, apis)),
                OperationKind.MethodBody,
                OperationKind.ConstructorBody,
                OperationKind.LocalFunction,
                OperationKind.AnonymousFunction);
        });

    /// <summary>
    /// The regions of the innermost function body around <paramref name="node"/> (lambda, local function, method,
    /// constructor or accessor); null outside any body.
    /// </summary>
    internal static LockRegions? Around(SyntaxNode node, SemanticModel model, LockApis apis, CancellationToken cancellationToken)
    {
        var function = node.AncestorsAndSelf().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax);
        return function is not null && model.GetOperation(function, cancellationToken) is { } body ? Analyze(body, apis) : null;
    }

    /// <summary>
    /// The regions holding a lock where <paramref name="operation"/> runs, innermost first: for rules that ask about one
    /// place (NZ1006: which locks are held while this one is taken). The regions of a body are built once and reused.
    /// </summary>
    internal static ImmutableArray<LockRegion> HeldAt(IOperation operation, LockApis apis)
    {
        var body = operation;
        while (body.Parent is { } parent && body is not (IMethodBodyOperation or IConstructorBodyOperation or ILocalFunctionOperation or IAnonymousFunctionOperation))
        {
            body = parent;
        }

        return RegionsOfBody.GetValue(body, b => Analyze(b, apis))
            .Holding(operation.Syntax)
            .OrderByDescending(r => r.Held.Start)
            .ToImmutableArray();
    }

    /// <summary>Whether control never reaches the end of a statement: it returns, throws, breaks, continues or jumps.</summary>
    internal static bool Leaves(IOperation statement)
        => statement.SemanticModel is { } model && statement.Syntax is StatementSyntax syntax && Leaves(model, syntax);

    /// <summary>The regions whose lock is held while <paramref name="node"/> runs; none inside a nested lambda or local function.</summary>
    internal IEnumerable<LockRegion> Holding(SyntaxNode node)
    {
        for (var ancestor = node.Parent; ancestor is not null && ancestor != _body; ancestor = ancestor.Parent)
        {
            if (ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return Enumerable.Empty<LockRegion>();
            }
        }

        return Regions.Where(r => r.Held.Contains(node.Span));
    }

    /// <summary>The region the acquisition call <paramref name="invocation"/> starts, if it forms one.</summary>
    internal LockRegion? StartedBy(SyntaxNode invocation)
        => Regions.FirstOrDefault(r => r.Acquire?.Invocation.Syntax.Span == invocation.Span);

    /// <summary>Whether two calls act on the same lock in the same mode: same family, mode and lock instance.</summary>
    internal static bool SameLock(LockCall first, LockCall second)
        => first.Family == second.Family && first.Mode == second.Mode && SameInstance(first.Target, second.Target);

    /// <summary>Acquisitions that hand back a releaser (<c>LockAsync</c>, <c>EnterScope</c>) end with its disposal, not a release call.</summary>
    internal static bool ReturnsReleaser(LockCall call)
    {
        var method = call.Invocation.TargetMethod;
        if (method.ReturnsVoid || method.ReturnType.SpecialType == SpecialType.System_Boolean)
        {
            return false;
        }

        if (method.ReturnType is INamedTypeSymbol { Name: "Task" or "ValueTask" } task
            && task.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            return task.TypeArguments.Length == 1 && task.TypeArguments[0].SpecialType != SpecialType.System_Boolean;
        }

        return true;
    }

    /// <summary>The acquisition expression without the <c>await</c>, parentheses and <c>ConfigureAwait</c> around it.</summary>
    private static SyntaxNode Unwrap(SyntaxNode expression)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    break;
                case AwaitExpressionSyntax awaited:
                    expression = awaited.Expression;
                    break;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "ConfigureAwait" } access }:
                    expression = access.Expression;
                    break;
                default:
                    return expression;
            }
        }
    }

    /// <summary>The outermost expression that is only the acquisition: through <c>await</c>, parentheses and <c>ConfigureAwait</c>.</summary>
    private static SyntaxNode Outermost(SyntaxNode invocation)
    {
        var outer = invocation;
        while (true)
        {
            if (outer.Parent is ParenthesizedExpressionSyntax or AwaitExpressionSyntax)
            {
                outer = outer.Parent;
            }
            else if (outer.Parent is MemberAccessExpressionSyntax { Name.Identifier.Text: "ConfigureAwait", Parent: InvocationExpressionSyntax configured } access && access.Expression == outer)
            {
                outer = configured;
            }
            else
            {
                return outer;
            }
        }
    }

    /// <summary>The statements a statement list owner (block or switch section) holds, or the single embedded statement.</summary>
    private static IReadOnlyList<StatementSyntax> StatementsOf(StatementSyntax statement)
        => statement is BlockSyntax block ? block.Statements : new[] { statement };

    /// <summary>The statements around <paramref name="statement"/> when it sits in a block or switch section.</summary>
    private static IReadOnlyList<StatementSyntax>? SiblingsOf(StatementSyntax statement) => statement.Parent switch
    {
        BlockSyntax block => block.Statements,
        SwitchSectionSyntax section => section.Statements,
        _ => null,
    };

    private static bool Leaves(SemanticModel model, StatementSyntax statement)
        => model.AnalyzeControlFlow(statement) is { Succeeded: true } flow && !flow.EndPointIsReachable;

    private static bool SameInstance(IOperation? first, IOperation? second)
    {
        first = first.WithoutConversions();
        second = second.WithoutConversions();
        return (first, second) switch
        {
            (null, null) => true,
            (IInstanceReferenceOperation, IInstanceReferenceOperation) => true,
            (IFieldReferenceOperation a, IFieldReferenceOperation b) => SymbolEqualityComparer.Default.Equals(a.Field, b.Field) && SameInstance(a.Instance, b.Instance),
            (IPropertyReferenceOperation { Arguments.Length: 0 } a, IPropertyReferenceOperation { Arguments.Length: 0 } b) => SymbolEqualityComparer.Default.Equals(a.Property, b.Property) && SameInstance(a.Instance, b.Instance),
            (ILocalReferenceOperation a, ILocalReferenceOperation b) => SymbolEqualityComparer.Default.Equals(a.Local, b.Local),
            (IParameterReferenceOperation a, IParameterReferenceOperation b) => SymbolEqualityComparer.Default.Equals(a.Parameter, b.Parameter),
            ({ } a, { } b) => SyntaxFactory.AreEquivalent(a.Syntax, b.Syntax),
            _ => false,
        };
    }

    /// <summary>What one body contains, collected in one walk that does not enter nested functions.</summary>
    private sealed class BodyFacts
    {
        internal BodyFacts(IOperation body)
        {
            Root = body.Syntax;
            Model = body.SemanticModel;
        }

        internal SyntaxNode Root { get; }

        internal SemanticModel? Model { get; }

        internal List<LockCall> Calls { get; } = new();

        internal List<ILockOperation> LockStatements { get; } = new();

        internal List<IOperation> Awaits { get; } = new();

        /// <summary><c>return</c>, <c>yield break</c>, <c>throw</c>, <c>break</c>, <c>continue</c> and <c>goto</c>.</summary>
        internal List<IOperation> Exits { get; } = new();

        internal void Collect(IOperation operation, LockApis apis)
        {
            foreach (var child in operation.ChildOperations)
            {
                if (child is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    continue;
                }

                switch (child)
                {
                    case IInvocationOperation invocation when apis.Classify(invocation) is { } call:
                        Calls.Add(call);
                        break;
                    case ILockOperation lockStatement:
                        LockStatements.Add(lockStatement);
                        break;
                    case IAwaitOperation:
                    case IForEachLoopOperation { IsAsynchronous: true }:
                    case IUsingOperation { IsAsynchronous: true }:
                    case IUsingDeclarationOperation { IsAsynchronous: true }:
                        Awaits.Add(child);
                        break;
                    case IReturnOperation { IsImplicit: false } exit when exit.Kind != OperationKind.YieldReturn:
                        Exits.Add(exit);
                        break;
                    case IThrowOperation or IBranchOperation:
                        Exits.Add(child);
                        break;
                }

                Collect(child, apis);
            }
        }
    }

    /// <summary>Turns the facts of one body into regions, one acquisition at a time.</summary>
    private sealed class RegionBuilder
    {
        private readonly BodyFacts _facts;

        internal RegionBuilder(BodyFacts facts) => _facts = facts;

        internal LockRegion LockStatement(ILockOperation lockStatement)
        {
            var syntax = (LockStatementSyntax)lockStatement.Syntax;
            var type = lockStatement.LockedValue.Type;
            var family = type is { Name: "Lock" } && type.ContainingNamespace?.ToDisplayString() == "System.Threading" ? LockFamily.ThreadingLock : LockFamily.Monitor;
            var held = syntax.Statement.Span;
            return new LockRegion(LockRegionKind.LockStatement, family, string.Empty, lockStatement.LockedValue, null, syntax, ImmutableArray<LockCall>.Empty, held, AwaitsIn(held), null);
        }

        /// <summary>A releaser in a <c>using</c> statement or declaration; none when the releaser goes elsewhere (returned, stored).</summary>
        internal LockRegion? Using(LockCall acquire)
        {
            StatementSyntax statement;
            TextSpan held;
            switch (Outermost(acquire.Invocation.Syntax).Parent)
            {
                case UsingStatementSyntax usingStatement:
                    (statement, held) = (usingStatement, usingStatement.Statement.Span);
                    break;
                case EqualsValueClauseSyntax { Parent.Parent.Parent: UsingStatementSyntax usingStatement }:
                    (statement, held) = (usingStatement, usingStatement.Statement.Span);
                    break;
                case EqualsValueClauseSyntax { Parent.Parent.Parent: LocalDeclarationStatementSyntax declaration } when declaration.UsingKeyword.IsKind(SyntaxKind.UsingKeyword):
                    (statement, held) = (declaration, RestOfScope(declaration));
                    break;
                default:
                    return null;
            }

            return new LockRegion(LockRegionKind.Using, acquire.Family, acquire.Mode, acquire.Target, acquire, statement, ImmutableArray<LockCall>.Empty, held, AwaitsIn(held), null);
        }

        /// <summary>An acquisition that is not a releaser: ended by a release call in this body, or handed on when there is none after it.</summary>
        internal LockRegion? Explicit(LockCall acquire)
        {
            var releases = _facts.Calls.Where(c => c.Operation == LockOperation.Release && SameLock(c, acquire)).ToImmutableArray();
            if (EnclosingStatement(acquire.Invocation.Syntax) is not { } statement)
            {
                return null;
            }

            if (ReleasingTryAround(acquire, releases) is { } enclosing)
            {
                var inFinally = releases.Where(r => Within(r, enclosing.Finally!)).ToImmutableArray();
                var guarded = inFinally.All(r => IsGuardedRelease(r, enclosing));
                return Region(guarded ? LockRegionKind.FlagGuardedTryFinally : LockRegionKind.AcquiredInsideTry, acquire, statement, inFinally, guarded ? null : statement);
            }

            var success = new SuccessTest(acquire);
            var next = FirstStatementHeld(statement, success);
            if (next is TryStatementSyntax tryStatement)
            {
                var inFinally = releases.Where(r => tryStatement.Finally is { } finallyClause && Within(r, finallyClause)).ToImmutableArray();
                if (!inFinally.IsEmpty)
                {
                    return Region(LockRegionKind.TryFinally, acquire, statement, inFinally, null, next);
                }

                var inCatch = releases.Where(r => tryStatement.Catches.Any(c => IsCatchAll(c) && Within(r, c))).ToImmutableArray();
                if (!inCatch.IsEmpty)
                {
                    var held = TextSpan.FromBounds(acquire.Invocation.Syntax.Span.End, tryStatement.Block.Span.End);
                    return new LockRegion(LockRegionKind.ReleasedOnFailure, acquire.Family, acquire.Mode, acquire.Target, acquire, statement, inCatch, held, AwaitsIn(held), null, next);
                }
            }

            if (next is ExpressionStatementSyntax && releases.FirstOrDefault(r => EnclosingStatement(r.Invocation.Syntax) == next) is { } adjacent)
            {
                return Region(LockRegionKind.AdjacentRelease, acquire, statement, ImmutableArray.Create(adjacent), null, next);
            }

            var paired = Paired(acquire, releases);
            if (paired.IsEmpty)
            {
                return HandedOn(acquire, statement, success);
            }

            var end = paired.Max(r => r.Invocation.Syntax.SpanStart);
            var exit = _facts.Exits.FirstOrDefault(e => e.Syntax.SpanStart > acquire.Invocation.Syntax.Span.End && e.Syntax.Span.End <= end && LeavesUnreleased(e, acquire, releases, success));
            if (exit is not null)
            {
                return Region(LockRegionKind.EarlyExit, acquire, statement, paired, EnclosingStatement(exit.Syntax) ?? exit.Syntax, next);
            }

            if (next is not null && paired.Any(r => r.Invocation.Syntax.FirstAncestorOrSelf<FinallyClauseSyntax>() is { Parent: TryStatementSyntax t } && t.SpanStart > statement.Span.End))
            {
                return Region(LockRegionKind.StatementBeforeTry, acquire, statement, paired, next, next);
            }

            // Releases that are all in finally blocks the structure does not connect to this acquisition: no verdict.
            var unprotected = paired.FirstOrDefault(r => r.Invocation.Syntax.FirstAncestorOrSelf<FinallyClauseSyntax>() is null);
            return unprotected is null
                ? null
                : Region(LockRegionKind.Unprotected, acquire, statement, paired, EnclosingStatement(unprotected.Invocation.Syntax), next);
        }

        /// <summary>An acquisition this body never releases: the lock is held from there to the end of the code that follows it.</summary>
        private LockRegion HandedOn(LockCall acquire, StatementSyntax statement, SuccessTest success)
        {
            var start = acquire.Invocation.Syntax.Span.End;
            var end = Continuation(statement, success) is (var list, _) && list.Count > 0 ? Math.Max(start, list[list.Count - 1].Span.End) : start;
            var held = TextSpan.FromBounds(start, end);
            return new LockRegion(LockRegionKind.HandedOn, acquire.Family, acquire.Mode, acquire.Target, acquire, statement, ImmutableArray<LockCall>.Empty, held, AwaitsIn(held), null);
        }

        private LockRegion Region(LockRegionKind kind, LockCall acquire, StatementSyntax statement, ImmutableArray<LockCall> releases, SyntaxNode? breaker, StatementSyntax? firstHeld = null)
        {
            var start = acquire.Invocation.Syntax.Span.End;
            var held = TextSpan.FromBounds(start, Math.Max(start, releases.Max(r => r.Invocation.Syntax.SpanStart)));
            return new LockRegion(kind, acquire.Family, acquire.Mode, acquire.Target, acquire, statement, releases, held, AwaitsIn(held), breaker, firstHeld);
        }

        private ImmutableArray<IOperation> AwaitsIn(TextSpan held)
            => _facts.Awaits.Where(a => held.Contains(a.Syntax.SpanStart)).OrderBy(a => a.Syntax.SpanStart).ToImmutableArray();

        /// <summary>
        /// The releases after this acquisition and before the next acquisition of the same lock on the same path (one
        /// in the other branch of an <c>if</c> or another <c>switch</c> section does not count).
        /// </summary>
        private ImmutableArray<LockCall> Paired(LockCall acquire, ImmutableArray<LockCall> releases)
        {
            var start = acquire.Invocation.Syntax.Span.End;
            var next = _facts.Calls
                .Where(c => c.Operation != LockOperation.Release && c != acquire && SameLock(c, acquire) && c.Invocation.Syntax.SpanStart > start
                    && !InOtherBranch(acquire.Invocation.Syntax, c.Invocation.Syntax))
                .Select(c => c.Invocation.Syntax.SpanStart)
                .DefaultIfEmpty(int.MaxValue)
                .Min();
            return releases.Where(r => r.Invocation.Syntax.SpanStart > start && r.Invocation.Syntax.SpanStart < next).ToImmutableArray();
        }

        /// <summary>The innermost <c>try</c> whose block holds the acquisition and whose <c>finally</c> releases the lock.</summary>
        private TryStatementSyntax? ReleasingTryAround(LockCall acquire, ImmutableArray<LockCall> releases)
        {
            for (var node = acquire.Invocation.Syntax; node != _facts.Root && node.Parent is { } parent; node = parent)
            {
                if (parent is TryStatementSyntax { Finally: { } finallyClause } tryStatement
                    && node == tryStatement.Block
                    && releases.Any(r => Within(r, finallyClause)))
                {
                    return tryStatement;
                }
            }

            return null;
        }

        /// <summary>
        /// Whether an exit between the acquisition and its release leaves with the lock still held: it is not in a
        /// branch that runs only when the acquisition failed, it leaves the region (a loop exit only when the loop
        /// encloses the acquisition), no release statement precedes it in a block on its way out, and no finally around it
        /// releases.
        /// </summary>
        private bool LeavesUnreleased(IOperation exit, LockCall acquire, ImmutableArray<LockCall> releases, SuccessTest success)
        {
            var acquired = acquire.Invocation.Syntax.Span;
            if (exit is IBranchOperation branch)
            {
                var target = branch.BranchKind switch
                {
                    BranchKind.Break => exit.Syntax.Ancestors().FirstOrDefault(a => IsLoop(a) || a is SwitchStatementSyntax),
                    BranchKind.Continue => exit.Syntax.Ancestors().FirstOrDefault(IsLoop),
                    _ => null,
                };
                if (target is null || !target.Span.Contains(acquired))
                {
                    return false;
                }
            }

            for (var node = exit.Syntax; node != _facts.Root && node.Parent is { } parent; node = parent)
            {
                var inFailureBranch = parent switch
                {
                    IfStatementSyntax check when node == check.Statement => success.IsFalseWhen(check.Condition),
                    ElseClauseSyntax { Parent: IfStatementSyntax check } => success.IsTrueWhen(check.Condition),
                    _ => false,
                };
                if (inFailureBranch
                    || (parent is TryStatementSyntax { Finally: { } finallyClause } tryStatement && node == tryStatement.Block && releases.Any(r => Within(r, finallyClause))))
                {
                    return false;
                }

                if (node is StatementSyntax statement && SiblingsOf(statement) is { } siblings)
                {
                    var index = IndexOf(siblings, statement);
                    if (releases.Any(r => r.Invocation.Syntax.SpanStart > acquired.End
                        && EnclosingStatement(r.Invocation.Syntax) is { } releasing
                        && releasing.Parent == parent
                        && IndexOf(siblings, releasing) < index))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private StatementSyntax? EnclosingStatement(SyntaxNode node)
        {
            for (var current = node; current is not null && current != _facts.Root; current = current.Parent)
            {
                if (current is AnonymousFunctionExpressionSyntax)
                {
                    return null;
                }

                if (current is StatementSyntax statement)
                {
                    return statement;
                }
            }

            return null;
        }

        /// <summary>
        /// The first statement that runs with the lock held, past the acquisition's own checks: the true branch of
        /// <c>if (await s.WaitAsync(t)) { … }</c>, the statement after <c>if (!acquired) return;</c>, and so on.
        /// </summary>
        private StatementSyntax? FirstStatementHeld(StatementSyntax statement, SuccessTest success)
        {
            var continuation = Continuation(statement, success);
            while (continuation is (var list, var index))
            {
                if (index >= list.Count)
                {
                    // Past the end of a loop body, a branch or a nested block: on after the statement that holds it.
                    continuation = list.Count > 0 && EnclosingOfBody(list[0]) is { } enclosing ? Continuation(enclosing, success) : null;
                    continue;
                }

                var current = list[index];
                if (current is EmptyStatementSyntax or LocalFunctionStatementSyntax)
                {
                    continuation = (list, index + 1);
                }
                else if (current is IfStatementSyntax check && (success.IsTrueWhen(check.Condition) || success.IsFalseWhen(check.Condition)))
                {
                    continuation = Continuation(check, success);
                }
                else
                {
                    return current;
                }
            }

            return null;
        }

        /// <summary>
        /// Where execution goes on with the lock held after <paramref name="statement"/>: into the true branch of an
        /// <c>if</c> testing the acquisition, into the else branch of one testing its failure, past one whose failure
        /// branch leaves, or simply to the next statement.
        /// </summary>
        private (IReadOnlyList<StatementSyntax> List, int Index)? Continuation(StatementSyntax statement, SuccessTest success)
        {
            if (statement is IfStatementSyntax check)
            {
                if (success.IsTrueWhen(check.Condition))
                {
                    return (StatementsOf(check.Statement), 0);
                }

                if (success.IsFalseWhen(check.Condition))
                {
                    if (check.Else is { } elseClause)
                    {
                        return (StatementsOf(elseClause.Statement), 0);
                    }

                    if (_facts.Model is not { } model || !Leaves(model, check.Statement))
                    {
                        return null;
                    }
                }
            }

            // An embedded statement (the body of a loop or an if without braces) goes on after its enclosing statement.
            while (SiblingsOf(statement) is null && statement.Parent is StatementSyntax or ElseClauseSyntax && statement.FirstAncestorOrSelf<StatementSyntax>(a => a != statement) is { } enclosing && !IsFunction(enclosing))
            {
                statement = enclosing;
            }

            return SiblingsOf(statement) is { } siblings ? (siblings, IndexOf(siblings, statement) + 1) : null;
        }

        private static bool IsFunction(SyntaxNode node) => node is LocalFunctionStatementSyntax;

        /// <summary>The loop, <c>if</c> or block whose body holds <paramref name="statement"/>; null for a try, a switch or a function.</summary>
        private static StatementSyntax? EnclosingOfBody(StatementSyntax statement)
        {
            // The body is the block around the statement, or the statement itself when embedded without braces.
            StatementSyntax body = statement.Parent as BlockSyntax ?? statement;
            return body.Parent switch
            {
                ElseClauseSyntax { Parent: IfStatementSyntax check } => check,
                BlockSyntax => body,
                IfStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax => (StatementSyntax)body.Parent,
                _ => null,
            };
        }

        /// <summary>Whether two nodes sit in branches that exclude each other: then and else of one <c>if</c>, or two sections of one <c>switch</c>.</summary>
        private static bool InOtherBranch(SyntaxNode first, SyntaxNode second)
            => first.Ancestors().Any(a => a switch
            {
                IfStatementSyntax { Else: { } elseClause } check => check.Statement.Span.Contains(first.Span) && elseClause.Span.Contains(second.Span),
                SwitchSectionSyntax section => section.Parent is SwitchStatementSyntax switchStatement && switchStatement.Span.Contains(second.Span) && !section.Span.Contains(second.Span),
                _ => false,
            });

        /// <summary>
        /// A release in a finally that runs only when the lock was taken: under an <c>if</c> testing a flag the try
        /// assigns (<c>if (taken)</c>) or whether the lock is held (<c>Monitor.IsEntered(o)</c>, <c>IsWriteLockHeld</c>).
        /// </summary>
        private static bool IsGuardedRelease(LockCall release, TryStatementSyntax tryStatement)
        {
            var assigned = new HashSet<string>(
                tryStatement.Block.DescendantNodes()
                    .Select(n => n switch
                    {
                        AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } => target.Identifier.Text,
                        ArgumentSyntax { RefKindKeyword.RawKind: not 0, Expression: IdentifierNameSyntax target } => target.Identifier.Text,
                        _ => null,
                    })
                    .OfType<string>(),
                StringComparer.Ordinal);
            for (var node = release.Invocation.Syntax; node != tryStatement.Finally && node.Parent is { } parent; node = parent)
            {
                if (parent is IfStatementSyntax check && node == check.Statement
                    && check.Condition.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(name => assigned.Contains(name.Identifier.Text) || HeldChecks.Contains(name.Identifier.Text)))
                {
                    return true;
                }
            }

            return false;
        }

        private static TextSpan RestOfScope(LocalDeclarationStatementSyntax declaration) => declaration.Parent switch
        {
            BlockSyntax block => TextSpan.FromBounds(declaration.Span.End, block.CloseBraceToken.SpanStart),
            SwitchSectionSyntax section => TextSpan.FromBounds(declaration.Span.End, section.Span.End),
            _ => TextSpan.FromBounds(declaration.Span.End, declaration.Span.End),
        };

        private static bool IsLoop(SyntaxNode node) => node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax;

        private static bool IsCatchAll(CatchClauseSyntax catchClause)
            => catchClause.Filter is null && (catchClause.Declaration is null || catchClause.Declaration.Type.ToString() is "Exception" or "System.Exception");

        private static bool Within(LockCall call, SyntaxNode node) => node.Span.Contains(call.Invocation.Syntax.Span);

        private static int IndexOf(IReadOnlyList<StatementSyntax> list, StatementSyntax statement)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] == statement)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>
    /// Recognizes conditions that test whether one acquisition succeeded: the call itself (<c>await s.WaitAsync(t)</c>)
    /// or a local it sets (<c>acquired</c>, <c>lockTaken</c>), plain or negated.
    /// </summary>
    private sealed class SuccessTest
    {
        private readonly SyntaxNode _invocation;
        private readonly ImmutableHashSet<string> _flags;

        internal SuccessTest(LockCall acquire)
        {
            _invocation = acquire.Invocation.Syntax;
            _flags = FlagNames(acquire);
        }

        /// <summary>Whether the condition can only be true when the lock was acquired (<c>acquired</c>, <c>ready &amp;&amp; acquired</c>).</summary>
        internal bool IsTrueWhen(ExpressionSyntax condition)
        {
            var unwrapped = WithoutParentheses(condition);
            return IsSuccess(unwrapped)
                || (unwrapped is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalAndExpression } conjunction
                    && (IsTrueWhen(conjunction.Left) || IsTrueWhen(conjunction.Right)));
        }

        /// <summary>Whether the condition is true exactly when the acquisition failed (<c>!acquired</c>, <c>acquired == false</c>, <c>acquired is false</c>).</summary>
        internal bool IsFalseWhen(ExpressionSyntax condition) => WithoutParentheses(condition) switch
        {
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } negation => IsSuccess(negation.Operand),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression } equality
                => (equality.Right.IsKind(SyntaxKind.FalseLiteralExpression) && IsSuccess(equality.Left))
                    || (equality.Left.IsKind(SyntaxKind.FalseLiteralExpression) && IsSuccess(equality.Right)),
            IsPatternExpressionSyntax { Pattern: ConstantPatternSyntax { Expression: var constant } } pattern
                => constant.IsKind(SyntaxKind.FalseLiteralExpression) && IsSuccess(pattern.Expression),
            _ => false,
        };

        private static ExpressionSyntax WithoutParentheses(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            return expression;
        }

        private bool IsSuccess(SyntaxNode expression)
            => Unwrap(expression) is var unwrapped
                && (unwrapped == _invocation || (unwrapped is IdentifierNameSyntax name && _flags.Contains(name.Identifier.Text)));

        /// <summary>Locals that record whether the acquisition succeeded: its <c>ref bool taken</c>, or the variable its result goes to.</summary>
        private static ImmutableHashSet<string> FlagNames(LockCall acquire)
        {
            var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var argument in acquire.Invocation.Arguments)
            {
                if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out && LockApis.ReferencedSymbol(argument.Value) is ILocalSymbol local)
                {
                    names.Add(local.Name);
                }
            }

            IOperation result = acquire.Invocation;
            while (result.Parent is IConversionOperation or IAwaitOperation
                || (result.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Instance == result))
            {
                result = result.Parent;
            }

            switch (result.Parent)
            {
                case ISimpleAssignmentOperation assignment when LockApis.ReferencedSymbol(assignment.Target) is ILocalSymbol local:
                    names.Add(local.Name);
                    break;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    names.Add(declarator.Symbol.Name);
                    break;
            }

            return names.ToImmutable();
        }
    }
}
