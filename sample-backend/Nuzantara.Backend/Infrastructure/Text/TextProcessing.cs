using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nuzantara.Backend.Infrastructure.Text;

/// <summary>Deterministic text handling: sentences, statements worth remembering, and their dedup keys.</summary>
internal static class TextProcessing
{
    private static readonly char[] SentenceEnds = ['.', '!', '?', '\n'];

    /// <summary>The sentences of <paramref name="text"/>, trimmed, with their closing mark.</summary>
    public static IEnumerable<string> Sentences(string text)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOfAny(SentenceEnds, start);
            var stop = end < 0 ? text.Length : end + 1;
            var sentence = text[start..stop].Trim();
            if (sentence.Length > 0)
            {
                yield return sentence;
            }

            start = stop;
        }
    }

    /// <summary>
    /// The statements (not questions) of <paramref name="text"/>, normalized and distinct, in order of first
    /// appearance; these are the facts a conversation teaches the memory.
    /// </summary>
    public static IReadOnlyList<string> ExtractFacts(string text, int maxFacts = 32)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var facts = new List<string>();
        foreach (var sentence in Sentences(text))
        {
            if (sentence.EndsWith('?'))
            {
                continue;
            }

            var statement = NormalizeStatement(sentence);
            if (statement.Length >= 3 && seen.Add(FactKey(statement)) && facts.Count < maxFacts)
            {
                facts.Add(statement);
            }
        }

        return facts;
    }

    /// <summary>Collapses whitespace and drops the closing mark: "I  like tea." becomes "I like tea".</summary>
    public static string NormalizeStatement(string statement)
    {
        var builder = new StringBuilder(statement.Length);
        var space = false;
        foreach (var c in statement.Trim().TrimEnd('.', '!', ' '))
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>The dedup key of a statement: case-insensitive SHA-256, hex.</summary>
    public static string FactKey(string statement)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(NormalizeStatement(statement).ToLowerInvariant())));

    /// <summary>Lower-case words of letters and digits.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var isWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (isWord && start < 0)
            {
                start = i;
            }
            else if (!isWord && start >= 0)
            {
                yield return text[start..i].ToLower(CultureInfo.InvariantCulture);
                start = -1;
            }
        }
    }
}

/// <summary>
/// A deterministic local embedder: hashed bag of words (signed feature hashing, log term frequency), L2-normalized,
/// so cosine similarity is a dot product. No model, no network, the same vector on every machine.
/// </summary>
internal sealed class HashingEmbedder(int dimensions)
{
    public int Dimensions { get; } = dimensions;

    public float[] Embed(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var word in TextProcessing.Words(text))
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        var vector = new float[Dimensions];
        foreach (var (word, count) in counts)
        {
            var hash = Fnv1a(word);
            var index = (int)(hash % (ulong)Dimensions);
            var sign = (hash >> 63) == 0 ? 1f : -1f;
            vector[index] += sign * (1f + MathF.Log(count));
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    /// <summary>Cosine similarity of two embeddings (both unit length).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            return 0f;
        }

        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static ulong Fnv1a(string word)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in word)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        // FNV's high bits mix poorly for short words; a final avalanche (from MurmurHash3's fmix64) spreads them.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
