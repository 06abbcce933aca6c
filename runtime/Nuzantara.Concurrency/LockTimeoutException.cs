using System.Globalization;

namespace Nuzantara.Concurrency;

/// <summary>Thrown when a lock could not be acquired within its timeout.</summary>
/// <remarks>
/// Derives from <see cref="TimeoutException"/> so existing handlers keep working. The key is carried only when the
/// lock was created with <see cref="LockOptions.IncludeKeyInExceptions"/>, because keys are often personal data.
/// </remarks>
public sealed class LockTimeoutException : TimeoutException
{
    /// <summary>Creates an exception with a default message.</summary>
    public LockTimeoutException()
        : this("Timed out waiting for a lock.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">What timed out.</param>
    public LockTimeoutException(string message)
        : base(message)
    {
        LockName = string.Empty;
    }

    /// <summary>Creates an exception with the given message and inner exception.</summary>
    /// <param name="message">What timed out.</param>
    /// <param name="innerException">The cause.</param>
    public LockTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
        LockName = string.Empty;
    }

    /// <summary>Creates an exception that describes a timed-out acquisition.</summary>
    /// <param name="lockName">The lock's name (<see cref="LockOptions.Name"/>).</param>
    /// <param name="mode">The mode that was requested.</param>
    /// <param name="waited">How long the caller waited.</param>
    /// <param name="key">The key, or <see langword="null"/> when it must not be disclosed.</param>
    public LockTimeoutException(string lockName, LockMode mode, TimeSpan waited, object? key = null)
        : base(FormatMessage(lockName, mode, waited, key))
    {
        LockName = lockName;
        Mode = mode;
        Waited = waited;
        Key = key;
    }

    /// <summary>The name of the lock that timed out.</summary>
    public string LockName { get; }

    /// <summary>The mode that was requested.</summary>
    public LockMode Mode { get; }

    /// <summary>How long the caller waited before giving up.</summary>
    public TimeSpan Waited { get; }

    /// <summary>The key that timed out, when the lock opted in with <see cref="LockOptions.IncludeKeyInExceptions"/>.</summary>
    public object? Key { get; }

    private static string FormatMessage(string lockName, LockMode mode, TimeSpan waited, object? key)
    {
        var modeText = mode switch
        {
            LockMode.Read => "read ",
            LockMode.Write => "write ",
            _ => string.Empty,
        };
        var keyText = key is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" for key '{key}'");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Timed out after {waited.TotalSeconds:0.###} s waiting for the {modeText}lock '{lockName}'{keyText}.");
    }
}
