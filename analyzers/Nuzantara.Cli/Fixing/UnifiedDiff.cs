using System.Globalization;
using System.Text;

namespace Nuzantara.Cli.Fixing;

/// <summary>
/// Unified diffs over lines (Myers' O(ND) algorithm), in the format of <c>diff -u</c> and <c>git diff</c>, so that
/// <c>git apply</c> or <c>patch -p1</c> can apply the output.
/// </summary>
internal static class UnifiedDiff
{
    private const string NoNewline = "\\ No newline at end of file";

    /// <summary>
    /// The diff from <paramref name="before"/> to <paramref name="after"/> with the given headers (such as
    /// <c>a/src/File.cs</c> and <c>b/src/File.cs</c>); empty when the texts are equal.
    /// </summary>
    public static string Create(string before, string after, string oldName, string newName, int context = 3)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (string.Equals(before, after, StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var a = SplitLines(before);
        var b = SplitLines(after);
        var edits = Diff(a, b);
        var output = new StringBuilder();
        output.Append("--- ").Append(oldName).Append('\n');
        output.Append("+++ ").Append(newName).Append('\n');
        foreach (var hunk in Hunks(edits, context))
        {
            WriteHunk(output, hunk, a, b);
        }

        return output.ToString();
    }

    /// <summary>Counts the lines a diff adds and removes.</summary>
    public static (int Added, int Removed) Count(string before, string after)
    {
        var edits = Diff(SplitLines(before), SplitLines(after));
        return (edits.Count(e => e.Kind == EditKind.Insert), edits.Count(e => e.Kind == EditKind.Delete));
    }

    /// <summary>Lines with their terminators, so that a changed line ending or a missing final newline is a change.</summary>
    internal static IReadOnlyList<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }

    /// <summary>The shortest edit script from <paramref name="a"/> to <paramref name="b"/>, in order.</summary>
    internal static List<Edit> Diff(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        // Common prefix and suffix cost nothing to match and keep the search small.
        var prefix = 0;
        while (prefix < a.Count && prefix < b.Count && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Count - prefix && suffix < b.Count - prefix && a[a.Count - 1 - suffix] == b[b.Count - 1 - suffix])
        {
            suffix++;
        }

        var edits = new List<Edit>(a.Count + b.Count);
        for (var i = 0; i < prefix; i++)
        {
            edits.Add(new Edit(EditKind.Equal, i, i));
        }

        edits.AddRange(Middle(a, b, prefix, a.Count - suffix, b.Count - suffix));
        for (var i = suffix; i > 0; i--)
        {
            edits.Add(new Edit(EditKind.Equal, a.Count - i, b.Count - i));
        }

        return edits;
    }

    private static List<Edit> Middle(IReadOnlyList<string> a, IReadOnlyList<string> b, int start, int aEnd, int bEnd)
    {
        var n = aEnd - start;
        var m = bEnd - start;
        var max = n + m;
        var offset = max + 1;
        var v = new int[(2 * max) + 3];

        // trace[d] holds v[k] for k in [-d, d] after round d: O(D²) memory rather than O(D·(N+M)).
        var trace = new List<int[]>();
        var found = false;
        for (var d = 0; d <= max && !found; d++)
        {
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[start + x] == b[start + y])
                {
                    x++;
                    y++;
                }

                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    found = true;
                }
            }

            var round = new int[(2 * d) + 1];
            Array.Copy(v, offset - d, round, 0, round.Length);
            trace.Add(round);
        }

        var reversed = new List<Edit>();
        int cx = n, cy = m;
        for (var d = trace.Count - 1; d > 0; d--)
        {
            var previous = trace[d - 1];
            int At(int k) => previous[k + (d - 1)];
            var k = cx - cy;
            var previousK = k == -d || (k != d && At(k - 1) < At(k + 1)) ? k + 1 : k - 1;
            var previousX = At(previousK);
            var previousY = previousX - previousK;
            while (cx > previousX && cy > previousY)
            {
                reversed.Add(new Edit(EditKind.Equal, start + cx - 1, start + cy - 1));
                cx--;
                cy--;
            }

            reversed.Add(cx == previousX
                ? new Edit(EditKind.Insert, start + cx, start + cy - 1)
                : new Edit(EditKind.Delete, start + cx - 1, start + cy));
            cx = previousX;
            cy = previousY;
        }

        while (cx > 0 && cy > 0)
        {
            reversed.Add(new Edit(EditKind.Equal, start + cx - 1, start + cy - 1));
            cx--;
            cy--;
        }

        reversed.Reverse();
        return reversed;
    }

    /// <summary>Groups edits into hunks: changes with up to <paramref name="context"/> equal lines around them, merged when close.</summary>
    private static IEnumerable<List<Edit>> Hunks(List<Edit> edits, int context)
    {
        var changes = Enumerable.Range(0, edits.Count).Where(i => edits[i].Kind != EditKind.Equal).ToList();
        var index = 0;
        while (index < changes.Count)
        {
            var first = Math.Max(0, changes[index] - context);
            var last = changes[index];
            while (index + 1 < changes.Count && changes[index + 1] - last <= (2 * context) + 1)
            {
                last = changes[++index];
            }

            index++;
            last = Math.Min(edits.Count - 1, last + context);
            yield return edits.GetRange(first, last - first + 1);
        }
    }

    private static void WriteHunk(StringBuilder output, List<Edit> hunk, IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var oldCount = hunk.Count(e => e.Kind != EditKind.Insert);
        var newCount = hunk.Count(e => e.Kind != EditKind.Delete);

        // An empty side names the line before the hunk (0 at the top), as diff -u does.
        var oldStart = oldCount == 0 ? hunk[0].OldIndex : hunk[0].OldIndex + 1;
        var newStart = newCount == 0 ? hunk[0].NewIndex : hunk[0].NewIndex + 1;
        output.Append(CultureInfo.InvariantCulture, $"@@ -{oldStart},{oldCount} +{newStart},{newCount} @@\n");
        foreach (var edit in hunk)
        {
            var (marker, line) = edit.Kind switch
            {
                EditKind.Equal => (' ', a[edit.OldIndex]),
                EditKind.Delete => ('-', a[edit.OldIndex]),
                _ => ('+', b[edit.NewIndex]),
            };
            output.Append(marker);
            if (line.EndsWith('\n'))
            {
                output.Append(line);
            }
            else
            {
                output.Append(line).Append('\n').Append(NoNewline).Append('\n');
            }
        }
    }

    /// <summary>What an edit does to a line.</summary>
    internal enum EditKind
    {
        /// <summary>The line is in both texts.</summary>
        Equal,

        /// <summary>The line of the old text is removed.</summary>
        Delete,

        /// <summary>The line of the new text is added.</summary>
        Insert,
    }

    /// <summary>One step of an edit script. For an insertion, <see cref="OldIndex"/> is where it goes in the old text; for a deletion, <see cref="NewIndex"/> likewise.</summary>
    internal readonly record struct Edit(EditKind Kind, int OldIndex, int NewIndex);
}
