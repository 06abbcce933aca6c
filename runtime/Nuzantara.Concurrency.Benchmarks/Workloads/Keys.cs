using System.Globalization;

namespace Nuzantara.Concurrency.Benchmarks.Workloads;

/// <summary>The keys every scenario locks: short strings shaped like user ids, the most common key in practice.</summary>
internal static class Keys
{
    /// <summary>A new string for the <paramref name="index"/>th key; equal keys are distinct string instances.</summary>
    public static string Of(int index) => "user-" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The first <paramref name="count"/> keys.</summary>
    public static string[] Range(int count)
    {
        var keys = new string[count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = Of(i);
        }

        return keys;
    }
}
