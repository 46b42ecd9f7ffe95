using System.Globalization;

namespace Toolchain.Data;

/// <summary>
/// Turns a CSV table into <see cref="TabularData"/>: the target column becomes class indices or values,
/// the feature columns (listed, or every numeric column but the target) become floats. Empty cells and
/// the markers NA, N/A, NaN, null, none and ? are missing; other text in a numeric column is non-numeric;
/// both become NaN for the cleaning step to drop or impute.
/// </summary>
public static class CsvDataset
{
    private static readonly HashSet<string> MissingMarkers = new(StringComparer.OrdinalIgnoreCase) { "", "na", "n/a", "nan", "null", "none", "?" };

    public static TabularData Load(string path, string target, IReadOnlyList<string> features, bool classification, IReadOnlyList<string> labels) =>
        FromTable(CsvTable.Read(path), target, features, classification, labels);

    public static TabularData FromTable(CsvTable table, string target, IReadOnlyList<string> features, bool classification, IReadOnlyList<string> labels)
    {
        int targetColumn = table.Column(target, "data.target");
        int[] featureColumns;
        var ignored = new List<string>();
        if (features.Count > 0)
        {
            featureColumns = features.Select(f => table.Column(f, "data.features")).ToArray();
            if (featureColumns.Contains(targetColumn))
                throw new DataFormatException($"CSV file '{table.Path}', line 1 (header): data.features lists the target column '{target}'");
        }
        else
        {
            var chosen = new List<int>();
            for (int c = 0; c < table.Header.Length; c++)
            {
                if (c == targetColumn) continue;
                if (IsNumericColumn(table, c)) chosen.Add(c); else ignored.Add(table.Header[c]);
            }
            featureColumns = [.. chosen];
        }
        if (featureColumns.Length == 0)
            throw new DataFormatException($"CSV file '{table.Path}': no numeric feature columns besides the target '{target}'" +
                (ignored.Count > 0 ? $" (not numeric: {string.Join(", ", ignored)})" : ""));
        if (table.Rows.Count == 0) throw new DataFormatException($"CSV file '{table.Path}' has a header but no data rows");

        int width = featureColumns.Length;
        var values = new float[table.Rows.Count * width];
        int missing = 0, nonNumeric = 0;
        for (int r = 0; r < table.Rows.Count; r++)
            for (int k = 0; k < width; k++)
            {
                var (value, kind) = ParseNumber(table.Rows[r].Cells[featureColumns[k]]);
                values[r * width + k] = value;
                if (kind == CellKind.Missing) missing++;
                else if (kind == CellKind.NonNumeric) nonNumeric++;
            }

        var (targets, classNames, targetMissing, targetNonNumeric) = classification
            ? ClassTargets(table, targetColumn, labels)
            : RegressionTargets(table, targetColumn);
        return new TabularData(featureColumns.Select(c => table.Header[c]).ToList(), values, targets, classNames)
        {
            Source = table.Path,
            MissingValues = missing + targetMissing,
            NonNumericValues = nonNumeric + targetNonNumeric,
            IgnoredColumns = ignored,
        };
    }

    private enum CellKind { Number, Missing, NonNumeric }

    private static (float Value, CellKind Kind) ParseNumber(string cell)
    {
        if (MissingMarkers.Contains(cell)) return (float.NaN, CellKind.Missing);
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && Math.Abs(v) <= float.MaxValue)
            return ((float)v, CellKind.Number);
        return (float.NaN, CellKind.NonNumeric);
    }

    /// <summary>A column is numeric when at least half of its non-missing cells are numbers (so a stray typo does not hide a column).</summary>
    private static bool IsNumericColumn(CsvTable table, int column)
    {
        int numbers = 0, text = 0;
        foreach (var row in table.Rows)
            switch (ParseNumber(row.Cells[column]).Kind)
            {
                case CellKind.Number: numbers++; break;
                case CellKind.NonNumeric: text++; break;
            }
        return numbers > 0 && numbers >= text;
    }

    private static (float[] Targets, IReadOnlyList<string>? Classes, int Missing, int NonNumeric) RegressionTargets(CsvTable table, int column)
    {
        var targets = new float[table.Rows.Count];
        int missing = 0, nonNumeric = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            var (value, kind) = ParseNumber(table.Rows[r].Cells[column]);
            targets[r] = value;
            if (kind == CellKind.Missing) missing++;
            else if (kind == CellKind.NonNumeric) nonNumeric++;
        }
        return (targets, null, missing, nonNumeric);
    }

    /// <summary>
    /// Class indices: with data.labels, a cell is a label name or an index below the label count; without,
    /// non-negative integers are indices (classes named 0..max) and otherwise the distinct texts, sorted, are the classes.
    /// </summary>
    private static (float[] Targets, IReadOnlyList<string>? Classes, int Missing, int NonNumeric) ClassTargets(CsvTable table, int column, IReadOnlyList<string> labels)
    {
        var targets = new float[table.Rows.Count];
        int missing = 0;
        var present = table.Rows.Select(r => r.Cells[column]).Where(c => !MissingMarkers.Contains(c)).ToList();
        IReadOnlyList<string> names;
        Func<CsvRow, string, int> index;
        if (labels.Count > 0)
        {
            names = labels;
            index = (row, cell) =>
            {
                int k = IndexOf(labels, cell);
                if (k >= 0) return k;
                if (int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out k) && k < labels.Count) return k;
                throw new DataFormatException($"CSV file '{table.Path}', line {row.Line}, column '{table.Header[column]}': class '{cell}' is neither one of data.labels " +
                    $"({string.Join(", ", labels)}) nor an index below {labels.Count}");
            };
        }
        else if (present.Count > 0 && present.All(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            int classes = present.Max(c => int.Parse(c, CultureInfo.InvariantCulture)) + 1;
            names = Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList();
            index = (_, cell) => int.Parse(cell, CultureInfo.InvariantCulture);
        }
        else
        {
            var distinct = present.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            names = distinct;
            index = (_, cell) => distinct.BinarySearch(cell, StringComparer.Ordinal);
        }
        for (int r = 0; r < targets.Length; r++)
        {
            var row = table.Rows[r];
            var cell = row.Cells[column];
            if (MissingMarkers.Contains(cell)) { targets[r] = float.NaN; missing++; continue; }
            targets[r] = index(row, cell);
        }
        return (targets, names, missing, 0);
    }

    private static int IndexOf(IReadOnlyList<string> labels, string cell)
    {
        for (int k = 0; k < labels.Count; k++) if (labels[k] == cell) return k;
        return -1;
    }
}
