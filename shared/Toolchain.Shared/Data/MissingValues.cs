namespace Toolchain.Data;

/// <summary>
/// Cleaning of missing values (NaN in <see cref="TabularData"/>): rows without a target are always dropped;
/// rows with a missing feature are dropped (data.missing: drop) or the value is imputed with the mean or
/// median of that feature over the training split (data.missing: mean, median), so no statistic leaks
/// from validation or test rows.
/// </summary>
public static class MissingValues
{
    /// <summary>Drops rows without a target and, when asked, rows with any missing feature.</summary>
    public static (TabularData Kept, int DroppedMissingTarget, int DroppedMissingFeature) DropRows(TabularData data, bool dropMissingFeatures)
    {
        var keep = new List<int>(data.Count);
        int noTarget = 0, noFeature = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (float.IsNaN(data.Targets[i])) { noTarget++; continue; }
            if (dropMissingFeatures && HasMissing(data.Row(i))) { noFeature++; continue; }
            keep.Add(i);
        }
        return (keep.Count == data.Count ? data : data.Subset(keep), noTarget, noFeature);
    }

    /// <summary>Per feature, the mean or median of the values the training rows have.</summary>
    public static float[] FillValues(TabularData train, string strategy)
    {
        if (strategy is not ("mean" or "median"))
            throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "data.missing: expected mean or median for imputation");
        var fill = new float[train.FeatureCount];
        var present = new List<float>(train.Count);
        for (int f = 0; f < train.FeatureCount; f++)
        {
            present.Clear();
            for (int i = 0; i < train.Count; i++)
            {
                float v = train.Features[i * train.FeatureCount + f];
                if (!float.IsNaN(v)) present.Add(v);
            }
            if (present.Count == 0)
                throw new DataFormatException($"{train.Source}: column '{train.FeatureNames[f]}' has no numeric value in the training split to impute a {strategy} from");
            fill[f] = strategy == "mean" ? (float)present.Average(v => (double)v) : Median(present);
        }
        return fill;
    }

    /// <summary>Replaces each missing feature value by its fill value, in place; returns how many were filled per feature.</summary>
    public static int[] Impute(TabularData data, float[] fill)
    {
        var counts = new int[data.FeatureCount];
        for (int k = 0; k < data.Features.Length; k++)
        {
            if (!float.IsNaN(data.Features[k])) continue;
            int f = k % data.FeatureCount;
            data.Features[k] = fill[f];
            counts[f]++;
        }
        return counts;
    }

    private static bool HasMissing(ReadOnlySpan<float> row)
    {
        foreach (var v in row) if (float.IsNaN(v)) return true;
        return false;
    }

    private static float Median(List<float> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (float)(((double)values[n / 2 - 1] + values[n / 2]) / 2);
    }
}
