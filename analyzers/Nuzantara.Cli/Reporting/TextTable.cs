namespace Nuzantara.Cli.Reporting;

/// <summary>A plain-text table: the first column left-aligned, the others right-aligned, two spaces apart.</summary>
internal sealed class TextTable
{
    private readonly List<string[]> _rows = [];
    private readonly int _leftAligned;

    /// <summary>Starts a table with its header; the first <paramref name="leftAligned"/> columns are left-aligned.</summary>
    public TextTable(int leftAligned, params string[] header)
    {
        _leftAligned = leftAligned;
        _rows.Add(header);
    }

    /// <summary>Adds a row.</summary>
    public void Add(params string[] cells) => _rows.Add(cells);

    /// <summary>Writes the table, each line indented by <paramref name="indent"/>.</summary>
    public void Write(TextWriter writer, string indent = "")
    {
        var widths = Enumerable.Range(0, _rows.Max(r => r.Length)).Select(c => _rows.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        foreach (var row in _rows)
        {
            var cells = row.Select((cell, c) => c < _leftAligned ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
            writer.WriteLine(indent + string.Join("  ", cells).TrimEnd());
        }
    }
}
