using System.Globalization;

namespace Toolchain.Data;

/// <summary>
/// Generated tables for the classic examples, reproducible from a seed, so recipes run without files.
/// linear: x ~ U(−1, 1) per feature, y = slope · Σx + intercept + noise · ε (regression).
/// binary_rule: x ~ N(0, 1) per feature, label = 1 when x₁ + … + x_informative + noise · ε &gt; 0, else 0
/// (binary classification; the other features carry no signal). ε ~ N(0, 1).
/// </summary>
public static class SyntheticDataset
{
    public static readonly IReadOnlyList<string> Generators = ["linear", "binary_rule"];

    public static TabularData Generate(string generator, int samples, int features, double noise, int seed,
        double slope = 2, double intercept = 0, int informative = 1, IReadOnlyList<string>? labels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var random = new Random(seed);
        var x = new float[samples * features];
        var y = new float[samples];
        var names = Enumerable.Range(0, features).Select(f => $"x{f}").ToList();
        string Describe(string rule) => string.Create(CultureInfo.InvariantCulture, $"synthetic {generator}: {rule}, {samples} rows, noise {noise}, seed {seed}");
        switch (generator)
        {
            case "linear":
                for (int i = 0; i < samples; i++)
                {
                    double sum = 0;
                    for (int f = 0; f < features; f++) sum += x[i * features + f] = (float)(random.NextDouble() * 2 - 1);
                    y[i] = (float)(slope * sum + intercept + noise * Gaussian(random));
                }
                return new TabularData(names, x, y, null) { Source = Describe(string.Create(CultureInfo.InvariantCulture, $"y = {slope}·Σx + {intercept}, {features} feature(s)")) };
            case "binary_rule":
                if (informative < 1 || informative > features)
                    throw new ArgumentOutOfRangeException(nameof(informative), informative, $"data.informative: expected a number of features in [1, {features}]");
                if (labels is { Count: > 0 and not 2 })
                    throw new ArgumentException($"data.labels: binary_rule has 2 classes, got {labels.Count} labels", nameof(labels));
                for (int i = 0; i < samples; i++)
                {
                    double score = 0;
                    for (int f = 0; f < features; f++)
                    {
                        float v = (float)Gaussian(random);
                        x[i * features + f] = v;
                        if (f < informative) score += v;
                    }
                    y[i] = score + noise * Gaussian(random) > 0 ? 1f : 0f;
                }
                return new TabularData(names, x, y, labels is { Count: 2 } ? labels : ["0", "1"])
                {
                    Source = Describe($"label = [x0 + … + x{informative - 1} > 0] of {features} features"),
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(generator), generator, $"data.generator: expected one of {string.Join(", ", Generators)}");
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
