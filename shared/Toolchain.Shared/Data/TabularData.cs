namespace Toolchain.Data;

/// <summary>
/// A table of float features (row after row, NaN where a value is missing) and one target per row:
/// a class index for classification (<see cref="ClassNames"/> set), a value for regression (NaN where missing).
/// </summary>
public sealed record TabularData(IReadOnlyList<string> FeatureNames, float[] Features, float[] Targets, IReadOnlyList<string>? ClassNames)
{
    public int Count => Targets.Length;
    public int FeatureCount => FeatureNames.Count;
    public bool IsClassification => ClassNames is not null;

    /// <summary>Where the rows came from: a file path or a generator description.</summary>
    public string Source { get; init; } = "";
    /// <summary>Cells of the used columns that were empty or a missing-value marker (NA, NaN, null, ?).</summary>
    public int MissingValues { get; init; }
    /// <summary>Cells of the used columns that held text that is not a number (treated as missing).</summary>
    public int NonNumericValues { get; init; }
    /// <summary>Columns left out because they are not numeric (when the features were not listed).</summary>
    public IReadOnlyList<string> IgnoredColumns { get; init; } = [];

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    public TabularData Subset(IReadOnlyList<int> indices)
    {
        var features = new float[indices.Count * FeatureCount];
        var targets = new float[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Row(indices[k]).CopyTo(features.AsSpan(k * FeatureCount));
            targets[k] = Targets[indices[k]];
        }
        return this with { Features = features, Targets = targets };
    }

    /// <summary>The class index of every row (classification only), for stratified splits.</summary>
    public int[] ClassIndices() => IsClassification ? Targets.Select(t => (int)t).ToArray()
        : throw new InvalidOperationException("a regression table has no classes");
}
