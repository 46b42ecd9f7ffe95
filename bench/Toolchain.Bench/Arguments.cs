using System.Globalization;

namespace Toolchain.Bench;

/// <summary>"--key value" pairs; a missing required key is an error naming it.</summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    public static Arguments Parse(IEnumerable<string> args)
    {
        var result = new Arguments();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Count)
                throw new ArgumentException($"expected --key value pairs, got '{list[i]}'");
            result.values[list[i][2..]] = list[++i];
        }
        return result;
    }

    public string String(string key, string? fallback = null) =>
        values.TryGetValue(key, out var v) ? v : fallback ?? throw new ArgumentException($"--{key} is required");

    public int Int(string key, int? fallback = null) =>
        values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture)
            : fallback ?? throw new ArgumentException($"--{key} is required");

    public double Double(string key, double fallback) =>
        values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
