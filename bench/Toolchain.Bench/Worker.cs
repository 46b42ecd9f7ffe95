using System.Diagnostics;

namespace Toolchain.Bench;

/// <summary>
/// The measuring loop both workers share: after set-up and warm-up it prints {"ready": ...}, then for
/// each "run SECONDS" line on stdin runs whole steps until the time is up and prints what it did.
/// Per-step wall times give the latency percentiles.
/// </summary>
public static class Worker
{
    public static int Serve(Action step, int samplesPerStep, double warmupSeconds, object ready)
    {
        Measure(step, samplesPerStep, warmupSeconds, minimumSteps: 3);
        Json.Emit(ready);
        while (Console.In.ReadLine() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            if (parts[0] == "quit") break;
            if (parts[0] != "run" || parts.Length != 2) { Json.Emit(new { error = $"expected 'run SECONDS' or 'quit', got '{line}'" }); continue; }
            Json.Emit(Measure(step, samplesPerStep, double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), minimumSteps: 3));
        }
        return 0;
    }

    public static Measurement Measure(Action step, int samplesPerStep, double seconds, int minimumSteps)
    {
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        long last = 0;
        while (total.Elapsed.TotalSeconds < seconds || times.Count < minimumSteps)
        {
            step();
            long now = total.ElapsedTicks;
            times.Add((now - last) * 1000.0 / Stopwatch.Frequency);
            last = now;
        }
        double elapsed = total.Elapsed.TotalSeconds;
        times.Sort();
        return new Measurement(times.Count, (long)times.Count * samplesPerStep, elapsed, times.Count * (long)samplesPerStep / elapsed,
            Percentile(times, 0.5), Percentile(times, 0.99));
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}

public sealed record Measurement(int Steps, long Samples, double Seconds, double SamplesPerSecond, double P50Ms, double P99Ms);
