namespace Toolchain.Data;

/// <summary>
/// A seeded train / validation / test split of row indices by ratio. The split sizes are
/// round(count × validation) and round(count × test); the rest trains. Stratified, each class is
/// shuffled on its own and contributes to every split in proportion to its size (largest-remainder
/// rounding, so the totals are still exact), keeping class proportions within one row per class.
/// </summary>
public sealed record RatioSplit(int[] Training, int[] Validation, int[] Test)
{
    public static RatioSplit Create(int count, double validation, double test, int seed, IReadOnlyList<int>? classes = null)
    {
        if (validation is < 0 or >= 1 || test is < 0 or >= 1 || validation + test >= 1)
            throw new ArgumentOutOfRangeException(nameof(validation), $"data.split: expected validation and test fractions in [0, 1) with validation + test < 1, got {validation} and {test}");
        if (classes is not null && classes.Count != count)
            throw new ArgumentException($"expected {count} class indices, got {classes.Count}", nameof(classes));
        int testCount = (int)Math.Round(count * test, MidpointRounding.AwayFromZero);
        int validationCount = (int)Math.Round(count * validation, MidpointRounding.AwayFromZero);
        if (validation > 0 && validationCount == 0 || test > 0 && testCount == 0 || count - testCount - validationCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(count), $"data.split: {count} rows are too few for validation {validation} and test {test} " +
                $"({validationCount} validation, {testCount} test, {count - testCount - validationCount} training rows)");
        var random = new Random(seed);
        if (classes is null)
        {
            var order = Enumerable.Range(0, count).ToArray();
            random.Shuffle(order);
            return Sorted(order[(validationCount + testCount)..], order[..validationCount], order[validationCount..(validationCount + testCount)]);
        }

        var groups = Enumerable.Range(0, count).GroupBy(i => classes[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        foreach (var group in groups) random.Shuffle(group);
        var sizes = groups.Select(g => g.Length).ToArray();
        var testShare = Apportion(testCount, sizes);
        var validationShare = Apportion(validationCount, sizes.Select((n, c) => n - testShare[c]).ToArray(), sizes);
        var (train, val, tst) = (new List<int>(), new List<int>(), new List<int>());
        for (int c = 0; c < groups.Length; c++)
        {
            tst.AddRange(groups[c][..testShare[c]]);
            val.AddRange(groups[c][testShare[c]..(testShare[c] + validationShare[c])]);
            train.AddRange(groups[c][(testShare[c] + validationShare[c])..]);
        }
        return Sorted([.. train], [.. val], [.. tst]);
    }

    /// <summary>
    /// Splits <paramref name="total"/> over groups in proportion to <paramref name="weights"/> (largest remainder,
    /// ties to the earlier group), never giving a group more than its <paramref name="capacity"/>.
    /// </summary>
    private static int[] Apportion(int total, int[] capacity, int[]? weights = null)
    {
        weights ??= capacity;
        double sum = weights.Sum();
        var share = new int[capacity.Length];
        if (total == 0 || sum == 0) return share;
        var quota = weights.Select(w => total * w / sum).ToArray();
        for (int c = 0; c < share.Length; c++) share[c] = Math.Min(capacity[c], (int)Math.Floor(quota[c]));
        int left = total - share.Sum();
        foreach (int c in Enumerable.Range(0, share.Length).OrderByDescending(c => quota[c] - Math.Floor(quota[c])).ThenBy(c => c).ToList())
        {
            if (left == 0) break;
            if (share[c] < capacity[c]) { share[c]++; left--; }
        }
        for (int c = 0; left > 0 && c < share.Length; c++)
        {
            int extra = Math.Min(left, capacity[c] - share[c]);
            share[c] += extra;
            left -= extra;
        }
        return share;
    }

    private static RatioSplit Sorted(int[] training, int[] validation, int[] test)
    {
        Array.Sort(training);
        Array.Sort(validation);
        Array.Sort(test);
        return new RatioSplit(training, validation, test);
    }
}
