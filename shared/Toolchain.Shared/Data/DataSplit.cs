namespace Toolchain.Data;

/// <summary>A deterministic split of sample indices into training and validation parts.</summary>
public sealed record DataSplit(int[] Training, int[] Validation)
{
    /// <summary>Shuffles 0..count−1 with the split seed and holds the first validationSize back.</summary>
    public static DataSplit Random(int count, int validationSize, int seed)
    {
        if (validationSize < 0 || validationSize >= count)
            throw new ArgumentOutOfRangeException(nameof(validationSize), $"validation size must be in [0, {count}), got {validationSize}");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        var validation = order[..validationSize];
        var training = order[validationSize..];
        Array.Sort(validation);
        Array.Sort(training);
        return new DataSplit(training, validation);
    }
}
