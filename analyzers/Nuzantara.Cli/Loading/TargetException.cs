namespace Nuzantara.Cli.Loading;

/// <summary>The command line's path cannot be analyzed: it does not exist, or names nothing loadable.</summary>
internal sealed class TargetException : Exception
{
    /// <summary>Creates the exception with a message for the user.</summary>
    public TargetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the user and its cause.</summary>
    public TargetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public TargetException()
    {
    }
}
