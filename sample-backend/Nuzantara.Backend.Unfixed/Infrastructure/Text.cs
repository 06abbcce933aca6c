using System.Security.Cryptography;
using System.Text;

namespace Nuzantara.Backend.Unfixed.Infrastructure;

/// <summary>Deterministic text handling: facts worth remembering, their keys, and a small hashing embedder.</summary>
internal static class Text
{
    private const int Dimensions = 128;
    private static readonly char[] SentenceEnds = ['.', '!', '?', '\n'];

    /// <summary>The statements (not questions) of a text, trimmed, without their closing mark.</summary>
    public static IReadOnlyList<string> ExtractFacts(string text)
    {
        var facts = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOfAny(SentenceEnds, start);
            var stop = end < 0 ? text.Length : end;
            var sentence = text[start..stop].Trim();
            var isQuestion = end >= 0 && text[end] == '?';
            if (sentence.Length >= 3 && !isQuestion && !facts.Contains(sentence, StringComparer.OrdinalIgnoreCase))
            {
                facts.Add(sentence);
            }

            start = stop + 1;
        }

        return facts;
    }

    /// <summary>The dedup key of a statement: case-insensitive SHA-256, hex.</summary>
    public static string FactKey(string statement)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(statement.Trim().ToUpperInvariant())));

    public static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(word.ToUpperInvariant()));
            vector[BitConverter.ToUInt16(hash) % Dimensions] += (hash[2] & 1) == 0 ? 1 : -1;
        }

        return vector;
    }

    public static float Cosine(float[] a, float[] b)
    {
        float dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? 0 : dot / MathF.Sqrt(normA * normB);
    }
}
