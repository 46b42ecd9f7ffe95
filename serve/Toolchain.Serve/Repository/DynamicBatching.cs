using System.Globalization;
using System.Text.RegularExpressions;

namespace Toolchain.Serve.Repository;

/// <summary>
/// A config.pbtxt <c>dynamic_batching { ... }</c> block, as Triton reads it: requests are held at most
/// <see cref="MaxQueueDelay"/> for others to join them, and a batch that reaches one of
/// <see cref="PreferredBatchSizes"/> (ascending) goes at once. An empty block batches whatever is waiting.
/// </summary>
public sealed partial record DynamicBatching(TimeSpan MaxQueueDelay, IReadOnlyList<int> PreferredBatchSizes)
{
    /// <summary>The largest preferred size, or 0 when none is given.</summary>
    public int LargestPreferred => PreferredBatchSizes.Count > 0 ? PreferredBatchSizes[^1] : 0;

    /// <summary>
    /// Reads the text between the block's braces. Accepts both of Triton's spellings of a repeated field,
    /// <c>preferred_batch_size: [ 8, 16 ]</c> and <c>preferred_batch_size: 8 preferred_batch_size: 16</c>.
    /// </summary>
    public static DynamicBatching Parse(string block, int maxBatchSize, string path)
    {
        block = Comment().Replace(block, "");
        long delay = 0;
        foreach (Match m in Field().Matches(block))
            if (m.Groups["key"].Value == "max_queue_delay_microseconds"
                && !long.TryParse(m.Groups["value"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out delay))
                throw new ModelLoadException($"'{path}': dynamic_batching max_queue_delay_microseconds must be a non-negative integer, got '{m.Groups["value"].Value}'");
        var preferred = new SortedSet<int>();
        foreach (Match m in Field().Matches(block))
        {
            if (m.Groups["key"].Value != "preferred_batch_size") continue;
            foreach (var item in m.Groups["value"].Value.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size < 1)
                    throw new ModelLoadException($"'{path}': dynamic_batching preferred_batch_size must hold positive integers, got '{item}'");
                if (size > maxBatchSize)
                    throw new ModelLoadException($"'{path}': dynamic_batching preferred_batch_size {size} exceeds max_batch_size {maxBatchSize}");
                preferred.Add(size);
            }
        }
        return new DynamicBatching(TimeSpan.FromMicroseconds(delay), preferred.ToArray());
    }

    public bool Equals(DynamicBatching? other) =>
        other is not null && MaxQueueDelay == other.MaxQueueDelay && PreferredBatchSizes.SequenceEqual(other.PreferredBatchSizes);

    public override int GetHashCode() => HashCode.Combine(MaxQueueDelay, PreferredBatchSizes.Count);

    public override string ToString() =>
        $"dynamic batching (max queue delay {MaxQueueDelay.TotalMicroseconds:0} µs, preferred sizes [{string.Join(", ", PreferredBatchSizes)}])";

    [GeneratedRegex("#[^\n]*")]
    private static partial Regex Comment();

    // "key: value" where the value is a bare word or a [ ... ] list; nested blocks (priority_levels, ...) are not read.
    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)\s*:?\s*(?<value>\[[^\]]*\]|[^\s{}\[\],#]+)""")]
    private static partial Regex Field();
}
