using System.Text;
using System.Text.RegularExpressions;
using Nuzantara.Cli.Fixing;

namespace Nuzantara.Cli.Tests;

public sealed partial class UnifiedDiffTests
{
    [Fact]
    public void EqualTexts_GiveNoDiff()
        => Assert.Equal(string.Empty, UnifiedDiff.Create("a\nb\n", "a\nb\n", "a/f", "b/f"));

    [Fact]
    public void OneChangedLine_GivesOneHunkWithThreeLinesOfContext()
    {
        var before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        var after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";

        var diff = UnifiedDiff.Create(before, after, "a/f.cs", "b/f.cs");

        Assert.Equal("--- a/f.cs\n+++ b/f.cs\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n", diff);
    }

    [Fact]
    public void InsertionAtTheTop_AndDeletionAtTheEnd_AreSeparateHunks()
    {
        var before = string.Concat(Enumerable.Range(1, 12).Select(i => $"{i}\n"));
        var after = "0\n" + string.Concat(Enumerable.Range(1, 11).Select(i => $"{i}\n"));

        var diff = UnifiedDiff.Create(before, after, "a/f", "b/f");

        Assert.Equal("--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n@@ -9,4 +10,3 @@\n 9\n 10\n 11\n-12\n", diff);
    }

    [Fact]
    public void MissingFinalNewline_IsMarked()
    {
        var diff = UnifiedDiff.Create("a\nb", "a\nc", "a/f", "b/f");

        Assert.Equal("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n", diff);
    }

    [Fact]
    public void EmptyOldText_IsOneInsertion()
        => Assert.Equal("--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n", UnifiedDiff.Create(string.Empty, "x\ny\n", "a/f", "b/f"));

    [Fact]
    public void CountsAddedAndRemovedLines()
        => Assert.Equal((2, 1), UnifiedDiff.Count("a\nb\nc\n", "a\nB\nB2\nc\n"));

    [Fact]
    public void RandomEdits_ApplyBackToTheNewText_AndTheScriptIsMinimal()
    {
        var random = new Random(20251130);
        for (var round = 0; round < 300; round++)
        {
            var before = RandomLines(random, random.Next(0, 40));
            var after = Mutate(random, before);
            var beforeText = string.Concat(before.Select(l => l + "\n"));
            var afterText = string.Concat(after.Select(l => l + "\n"));

            var diff = UnifiedDiff.Create(beforeText, afterText, "a/f", "b/f", context: random.Next(0, 4));

            Assert.Equal(afterText, Apply(beforeText, diff));
            var (added, removed) = UnifiedDiff.Count(beforeText, afterText);
            var common = LongestCommonSubsequence(before, after);
            Assert.Equal(after.Count - common, added);
            Assert.Equal(before.Count - common, removed);
        }
    }

    private static List<string> RandomLines(Random random, int count)
        => Enumerable.Range(0, count).Select(_ => ((char)('a' + random.Next(0, 5))).ToString()).ToList();

    private static List<string> Mutate(Random random, List<string> lines)
    {
        var result = new List<string>(lines);
        for (var edits = random.Next(0, 8); edits > 0; edits--)
        {
            var kind = random.Next(3);
            if (kind == 0 || result.Count == 0)
            {
                result.Insert(random.Next(0, result.Count + 1), ((char)('a' + random.Next(0, 7))).ToString());
            }
            else if (kind == 1)
            {
                result.RemoveAt(random.Next(0, result.Count));
            }
            else
            {
                result[random.Next(0, result.Count)] = ((char)('a' + random.Next(0, 7))).ToString();
            }
        }

        return result;
    }

    private static int LongestCommonSubsequence(List<string> a, List<string> b)
    {
        var table = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                table[i, j] = a[i] == b[j] ? table[i + 1, j + 1] + 1 : Math.Max(table[i + 1, j], table[i, j + 1]);
            }
        }

        return table[0, 0];
    }

    /// <summary>A strict patch applier: every context and removed line must match where the header says.</summary>
    private static string Apply(string before, string diff)
    {
        var source = UnifiedDiff.SplitLines(before);
        var lines = diff.Split('\n');
        var result = new StringBuilder();
        var next = 0;
        for (var i = 2; i < lines.Length && lines[i].Length > 0;)
        {
            var header = HunkHeader().Match(lines[i]);
            Assert.True(header.Success, $"not a hunk header: {lines[i]}");
            var oldStart = int.Parse(header.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var oldCount = int.Parse(header.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            var start = oldCount == 0 ? oldStart : oldStart - 1;
            Assert.True(start >= next, "hunks overlap or go backwards");
            while (next < start)
            {
                result.Append(source[next++]);
            }

            for (i++; i < lines.Length && lines[i].Length > 0 && lines[i][0] is ' ' or '-' or '+'; i++)
            {
                var text = lines[i][1..] + (i + 1 < lines.Length && lines[i + 1].StartsWith('\\') ? string.Empty : "\n");
                if (lines[i][0] != '+')
                {
                    Assert.Equal(source[next], text);
                    next++;
                }

                if (lines[i][0] != '-')
                {
                    result.Append(text);
                }

                if (i + 1 < lines.Length && lines[i + 1].StartsWith('\\'))
                {
                    i++;
                }
            }
        }

        while (next < source.Count)
        {
            result.Append(source[next++]);
        }

        return result.ToString();
    }

    [GeneratedRegex(@"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$")]
    private static partial Regex HunkHeader();
}
