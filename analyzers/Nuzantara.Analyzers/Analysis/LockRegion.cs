using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>
/// The shape of a lock region. The first six guarantee the release on every path; a handed-on lock is released
/// elsewhere; the last four do not guarantee it, and are what NZ1003 reports.
/// </summary>
internal enum LockRegionKind
{
    /// <summary><c>lock (x) { … }</c>.</summary>
    LockStatement,

    /// <summary><c>using (await x.LockAsync()) { … }</c> or <c>using var handle = …;</c>: the releaser is disposed on every path.</summary>
    Using,

    /// <summary>
    /// <c>acquire; try { … } finally { release; }</c>, also after a TryAcquire whose false branch leaves
    /// (<c>if (!await s.WaitAsync(t)) return; try { … } finally { s.Release(); }</c>).
    /// </summary>
    TryFinally,

    /// <summary>
    /// <c>try { Monitor.Enter(o, ref taken); … } finally { if (taken) Monitor.Exit(o); }</c>: the finally releases only
    /// what the try acquired.
    /// </summary>
    FlagGuardedTryFinally,

    /// <summary><c>acquire; try { … } catch { release; throw; }</c>: released when the work fails; on success the lock is handed on.</summary>
    ReleasedOnFailure,

    /// <summary><c>acquire; release;</c> with no statement in between, so nothing can throw while the lock is held.</summary>
    AdjacentRelease,

    /// <summary>
    /// Acquired and not released afterwards in this body: the lock is handed on (to the caller, a <c>Dispose</c>, a
    /// callback) and held from the acquisition to the end of the code that follows it. Not judged by NZ1003.
    /// </summary>
    HandedOn,

    /// <summary><c>try { acquire; … } finally { release; }</c>: when the wait throws, the finally releases a lock never taken.</summary>
    AcquiredInsideTry,

    /// <summary><c>acquire; statement; try { … } finally { release; }</c>: an exception in the statement leaks the lock.</summary>
    StatementBeforeTry,

    /// <summary>A <c>return</c>, <c>throw</c>, <c>break</c> or <c>continue</c> leaves the region without releasing the lock.</summary>
    EarlyExit,

    /// <summary><c>acquire; …; release;</c> with the release outside any finally: an exception in between leaks the lock.</summary>
    Unprotected,
}

/// <summary>
/// One stretch of a function body during which a lock is held: how it was acquired, which calls release it, the span in
/// which it is held, and the awaits inside that span.
/// </summary>
internal sealed class LockRegion
{
    internal LockRegion(
        LockRegionKind kind,
        LockFamily family,
        string mode,
        IOperation? target,
        LockCall? acquire,
        StatementSyntax statement,
        ImmutableArray<LockCall> releases,
        TextSpan held,
        ImmutableArray<IOperation> awaits,
        SyntaxNode? breaker,
        StatementSyntax? firstHeld = null)
    {
        Kind = kind;
        Family = family;
        Mode = mode;
        Target = target;
        Acquire = acquire;
        Statement = statement;
        Releases = releases;
        Held = held;
        Awaits = awaits;
        Breaker = breaker;
        FirstHeld = firstHeld;
    }

    internal LockRegionKind Kind { get; }

    internal LockFamily Family { get; }

    /// <summary><c>read</c>, <c>write</c>, <c>upgradeable</c> or empty for exclusive locks: a read region does not guard a write.</summary>
    internal string Mode { get; }

    /// <summary>The lock object: the acquisition's target, or the expression a <c>lock</c> statement locks.</summary>
    internal IOperation? Target { get; }

    /// <summary>The symbol that identifies the lock instance (field, property, local or parameter), if any.</summary>
    internal ISymbol? TargetSymbol => LockApis.ReferencedSymbol(Target);

    /// <summary>The acquiring call; null for a <c>lock</c> statement.</summary>
    internal LockCall? Acquire { get; }

    /// <summary>The statement that acquires: the call's statement, the <c>lock</c> statement or the <c>using</c>.</summary>
    internal StatementSyntax Statement { get; }

    /// <summary>The explicit releases that end this region; empty for <c>lock</c> and <c>using</c>, whose end is structural, and for a handed-on lock.</summary>
    internal ImmutableArray<LockCall> Releases { get; }

    /// <summary>Where the lock is held: code whose span lies inside runs under the lock (unless it is in a nested function).</summary>
    internal TextSpan Held { get; }

    /// <summary>Awaits (including <c>await foreach</c> and <c>await using</c>) inside <see cref="Held"/>, in source order.</summary>
    internal ImmutableArray<IOperation> Awaits { get; }

    /// <summary>
    /// For the shapes that do not guarantee the release, the statement that breaks the pairing: the unprotected release,
    /// the early exit, the statement before the try, or the acquisition inside the try.
    /// </summary>
    internal SyntaxNode? Breaker { get; }

    /// <summary>
    /// For an acquisition not inside a releasing try: the first statement that runs with the lock held, past the
    /// acquisition's own success checks (<c>if (!acquired) return;</c>). Null when nothing follows in a block.
    /// </summary>
    internal StatementSyntax? FirstHeld { get; }

    internal bool IsReleaseGuaranteed => Kind is LockRegionKind.LockStatement
        or LockRegionKind.Using
        or LockRegionKind.TryFinally
        or LockRegionKind.FlagGuardedTryFinally
        or LockRegionKind.ReleasedOnFailure
        or LockRegionKind.AdjacentRelease;

    /// <summary>Locks owned by a thread: only the acquiring thread may release them.</summary>
    internal bool IsThreadAffine => Acquire?.IsThreadAffine ?? true;

    /// <summary>How messages name the lock: <c>SemaphoreSlim '_gate'</c>.</summary>
    internal string Describe()
        => Acquire?.Describe() ?? LockApis.DisplayName(Family) + " '" + (TargetSymbol?.Name ?? Target?.Syntax.ToString()) + "'";
}
