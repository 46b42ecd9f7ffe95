using System.Text;

namespace Toolchain.Data;

/// <summary>
/// A comma-separated file as text cells: a header row naming the columns, then one row per line.
/// Fields may be quoted ("a, b" and "say ""hi""" as in RFC 4180; a quoted field does not span lines);
/// unquoted fields are trimmed; blank lines are skipped. Every error names the file and the line.
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string path, string[] header, List<CsvRow> rows) => (Path, Header, Rows) = (path, header, rows);

    public string Path { get; }
    public string[] Header { get; }
    public IReadOnlyList<CsvRow> Rows { get; }

    public static CsvTable Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException($"CSV file '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    public static CsvTable Parse(string text, string path)
    {
        string[]? header = null;
        var rows = new List<CsvRow>();
        int line = 0;
        using var reader = new StringReader(text);
        for (string? raw = reader.ReadLine(); raw is not null; raw = reader.ReadLine())
        {
            line++;
            if (line == 1 && raw.Length > 0 && raw[0] == '\uFEFF') raw = raw[1..];
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var cells = SplitLine(raw, path, line);
            if (header is null)
            {
                header = cells;
                CheckHeader(header, path, line);
                continue;
            }
            if (cells.Length != header.Length)
                throw new DataFormatException($"CSV file '{path}', line {line}: expected {header.Length} columns as in the header, got {cells.Length}");
            rows.Add(new CsvRow(line, cells));
        }
        if (header is null) throw new DataFormatException($"CSV file '{path}' is empty: expected a header row naming the columns");
        return new CsvTable(path, header, rows);
    }

    /// <summary>The position of a named column; an unknown name is an error naming the recipe key and the columns there are.</summary>
    public int Column(string name, string key)
    {
        int index = Array.IndexOf(Header, name);
        if (index < 0)
            throw new DataFormatException($"CSV file '{Path}', line 1 (header): {key} '{name}' is not a column; the columns are {string.Join(", ", Header)}");
        return index;
    }

    private static void CheckHeader(string[] header, string path, int line)
    {
        for (int c = 0; c < header.Length; c++)
        {
            if (header[c].Length == 0)
                throw new DataFormatException($"CSV file '{path}', line {line} (header): column {c + 1} has no name");
            int first = Array.IndexOf(header, header[c]);
            if (first != c)
                throw new DataFormatException($"CSV file '{path}', line {line} (header): column name '{header[c]}' appears twice (columns {first + 1} and {c + 1})");
        }
    }

    private static string[] SplitLine(string line, string path, int lineNumber)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        int k = 0;
        while (true)
        {
            while (k < line.Length && line[k] is ' ' or '\t') k++;
            if (k < line.Length && line[k] == '"')
            {
                k++;
                while (true)
                {
                    if (k >= line.Length)
                        throw new DataFormatException($"CSV file '{path}', line {lineNumber}, column {cells.Count + 1}: a quoted field is not closed on this line");
                    if (line[k] == '"')
                    {
                        if (k + 1 < line.Length && line[k + 1] == '"') { cell.Append('"'); k += 2; continue; }
                        k++;
                        break;
                    }
                    cell.Append(line[k++]);
                }
                while (k < line.Length && line[k] is ' ' or '\t') k++;
                if (k < line.Length && line[k] != ',')
                    throw new DataFormatException($"CSV file '{path}', line {lineNumber}, column {cells.Count + 1}: unexpected '{line[k]}' after a quoted field");
                cells.Add(cell.ToString());
            }
            else
            {
                int end = line.IndexOf(',', k);
                if (end < 0) end = line.Length;
                cells.Add(line[k..end].Trim());
                k = end;
            }
            cell.Clear();
            if (k >= line.Length) return [.. cells];
            k++; // the comma
            if (k == line.Length) { cells.Add(""); return [.. cells]; }
        }
    }
}

/// <summary>One data row of a CSV file and the line it was read from (1-based, the header is line 1).</summary>
public sealed record CsvRow(int Line, string[] Cells);
