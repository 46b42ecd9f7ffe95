using System.Diagnostics;
using System.Globalization;

namespace Toolchain.Edge;

/// <summary>
/// Times ONNX Runtime runs of batches of samples (taken in turn from the input, or zeros without one)
/// after a warm-up: latency per sample at the 50th and 99th percentile, and samples per second.
/// </summary>
public sealed record LatencyBenchmark(int Runs, int Batch, double P50Microseconds, double P99Microseconds, double MeanMicroseconds, double SamplesPerSecond)
{
    public const int WarmUpRuns = 20;

    public static LatencyBenchmark Measure(EdgeClassifier classifier, Samples? samples, int runs, int batch)
    {
        if (runs <= 0) throw new EdgeException($"--bench: expected a positive number of runs, got {runs}");
        if (batch <= 0) throw new EdgeException($"--batch: expected a positive batch size, got {batch}");
        int size = classifier.SampleSize;
        var source = samples is { Count: > 0 } ? samples : new Samples(new byte[size], 1, "zeros");
        var batches = Enumerable.Range(0, Math.Min(runs, 64)).Select(r =>
        {
            var buffer = new byte[batch * size];
            for (int k = 0; k < batch; k++)
                source.Pixels.AsSpan((r * batch + k) % source.Count * size, size).CopyTo(buffer.AsSpan(k * size));
            return buffer;
        }).ToArray();

        for (int r = 0; r < Math.Min(WarmUpRuns, runs); r++) classifier.Run(batches[r % batches.Length], batch);
        var perSample = new double[runs];
        var total = Stopwatch.StartNew();
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            classifier.Run(batches[r % batches.Length], batch);
            perSample[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batch;
        }
        total.Stop();
        Array.Sort(perSample);
        return new LatencyBenchmark(runs, batch, Percentile(perSample, 0.50), Percentile(perSample, 0.99), perSample.Average(),
            (double)runs * batch / total.Elapsed.TotalSeconds);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        return $"bench: {Runs} runs of batch {Batch}: latency per sample p50 {P50Microseconds.ToString("F1", c)} µs, p99 {P99Microseconds.ToString("F1", c)} µs, " +
            $"mean {MeanMicroseconds.ToString("F1", c)} µs; throughput {SamplesPerSecond.ToString("N0", c)} samples/s";
    }
}
