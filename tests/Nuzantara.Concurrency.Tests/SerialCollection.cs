namespace Nuzantara.Concurrency.Tests;

/// <summary>
/// Tests that observe process-wide state (the meter's listeners, a thread's allocation counter) run alone, so that
/// measurements of other tests' locks cannot enter them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTests
{
    public const string Name = "Process-wide observations";
}
