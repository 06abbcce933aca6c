namespace Nuzantara.Concurrency;

/// <summary>
/// Declares that a field or property may be read or written only while the named lock member is held.
/// </summary>
/// <example>
/// <code>
/// private readonly AsyncLock _gate = new();
/// [GuardedBy(nameof(_gate))] private int _pending;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
public sealed class GuardedByAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="lockMember">The name of the lock member, preferably written as <c>nameof(_gate)</c>.</param>
    public GuardedByAttribute(string lockMember) => LockMember = lockMember;

    /// <summary>The name of the lock member that guards the annotated member.</summary>
    public string LockMember { get; }
}
