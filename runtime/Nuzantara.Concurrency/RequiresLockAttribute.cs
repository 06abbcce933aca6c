namespace Nuzantara.Concurrency;

/// <summary>
/// Declares that a method must be called with the named lock member already held; its body counts as guarded.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor, Inherited = true, AllowMultiple = false)]
public sealed class RequiresLockAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="lockMember">The name of the lock member, preferably written as <c>nameof(_gate)</c>.</param>
    public RequiresLockAttribute(string lockMember) => LockMember = lockMember;

    /// <summary>The name of the lock member the caller must hold.</summary>
    public string LockMember { get; }
}
