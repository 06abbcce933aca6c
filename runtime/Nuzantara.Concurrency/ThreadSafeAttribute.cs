namespace Nuzantara.Concurrency;

/// <summary>
/// Declares that instances of a type are used by several flows at once, so the Nuzantara analyzers check every
/// write to its state for a guarding lock.
/// </summary>
/// <remarks>
/// The analyzers match this attribute by its full name, so a project may also declare its own
/// <c>Nuzantara.Concurrency.ThreadSafeAttribute</c> instead of referencing this package.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = true, AllowMultiple = false)]
public sealed class ThreadSafeAttribute : Attribute
{
}
