namespace Nuzantara.Concurrency.Benchmarks.Scenarios;

/// <summary>The groups of the timed-versus-untimed scenarios; each has its own baseline.</summary>
internal static class Categories
{
    public const string Nuzantara = nameof(Nuzantara);
    public const string SemaphoreSlim = nameof(SemaphoreSlim);
}
