namespace Nuzantara.Analyzers;

/// <summary>Every diagnostic id Nuzantara reports, and where each rule's page lives.</summary>
/// <remarks>IDs are grouped by family (1xxx lock hygiene, 2xxx shared state, 3xxx check-then-act, 4xxx consistency); a new rule takes the next free number of its family.</remarks>
public static class RuleIdentifiers
{
    /// <summary>Lock acquired with no timeout.</summary>
    public const string LockWithoutTimeout = "NZ1001";

    /// <summary>Result of a timed acquisition ignored.</summary>
    public const string IgnoredLockTimeout = "NZ1002";

    /// <summary>Release not guaranteed on every path.</summary>
    public const string ReleaseNotGuaranteed = "NZ1003";

    /// <summary>Per-key lock dictionary that only grows.</summary>
    public const string UnboundedLockDictionary = "NZ1004";

    /// <summary>Thread-affine lock held across an await.</summary>
    public const string ThreadAffineLockAcrossAwait = "NZ1005";

    /// <summary>Two locks taken in opposite orders.</summary>
    public const string LockOrderInversion = "NZ1006";

    /// <summary>Member of a shared type updated outside any lock.</summary>
    public const string UnguardedSharedWrite = "NZ2001";

    /// <summary>Member read, then written back after an await: a lost update.</summary>
    public const string LostUpdateAcrossAwait = "NZ2002";

    /// <summary>Collection that is not thread-safe, in a shared type, used outside a lock.</summary>
    public const string UnsafeSharedCollection = "NZ2003";

    /// <summary>Member accessed without the lock that guards it.</summary>
    public const string InconsistentLocking = "NZ2004";

    /// <summary>Dictionary checked, then written for the same key.</summary>
    public const string DictionaryCheckThenAct = "NZ3001";

    /// <summary>Shared state checked, then written.</summary>
    public const string CheckThenAct = "NZ3002";

    private const string DocumentationRoot = "https://github.com/nuzantara/nuzantara/blob/main/docs/rules/";

    /// <summary>The documentation page of a rule: <c>docs/rules/{id}.md</c> in the repository.</summary>
    /// <param name="id">The rule's id, such as <c>NZ1001</c>.</param>
    /// <returns>The page's address.</returns>
    public static string GetHelpUri(string id) => DocumentationRoot + id + ".md";

    /// <summary>SQL <c>SELECT</c> of a table without a row lock, then <c>UPDATE</c>/<c>DELETE</c> of it, outside a serializable transaction.</summary>
    public const string SelectThenUpdate = "NZ3003";

    /// <summary>SQL key probe, then <c>INSERT</c> into that table without <c>ON CONFLICT</c>.</summary>
    public const string ExistsThenInsert = "NZ3004";

    /// <summary>HTTP call, message publish, cache write or background work inside a database transaction, before it commits.</summary>
    public const string SideEffectInTransaction = "NZ4001";

    /// <summary>Retry loop or retry policy around an <c>INSERT</c> with no <c>ON CONFLICT</c> and no idempotency key.</summary>
    public const string NonIdempotentRetry = "NZ4002";
}

/// <summary>The categories rules are filed under.</summary>
internal static class RuleCategories
{
    internal const string LockHygiene = "LockHygiene";
    internal const string SharedState = "SharedState";
    internal const string CheckThenAct = "CheckThenAct";
    internal const string Consistency = "Consistency";
}
