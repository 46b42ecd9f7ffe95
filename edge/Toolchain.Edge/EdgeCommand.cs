using System.CommandLine;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Edge;

/// <summary>
/// toolchain-edge [FILE...] [--model PATH] [--labels PATH] [--first N] [--truth LABELS] [--bench N [--batch B]] [--threads T] [--info].
/// Classifies IDX image files, raw sample files or PNGs (standard input when no FILE or FILE is '-'):
/// one line per sample on standard output — sample, class index, label, probability, tab-separated —
/// and a summary on standard error. Exit code 0, or 1 with the reason on standard error.
/// </summary>
public static class EdgeCommand
{
    public static RootCommand Create()
    {
        var files = new Argument<string[]>("files") { Description = "IDX images (.gz too), raw uint8 samples, or PNG files; '-' or none reads standard input", Arity = ArgumentArity.ZeroOrMore };
        var model = new Option<string?>("--model") { Description = "Model file (.ort or .onnx); default: the one model*.ort / model*.onnx beside the runner" };
        var labels = new Option<string?>("--labels") { Description = "Class labels, one per line; default: labels.txt beside the model, else the model's metadata" };
        var first = new Option<int?>("--first") { Description = "Classify only the first N samples" };
        var truth = new Option<string?>("--truth") { Description = "IDX labels file (e.g. t10k-labels-idx1-ubyte.gz): also print the accuracy" };
        var bench = new Option<int>("--bench") { Description = "Time N runs instead of printing predictions: latency per sample (p50/p99) and throughput" };
        var batch = new Option<int>("--batch") { Description = "Samples per run for --bench", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads; 0 uses every core", DefaultValueFactory = _ => 0 };
        var info = new Option<bool>("--info") { Description = "Print the model's interface and metadata, then exit" };
        var saveOptimized = new Option<string?>("--save-optimized") { Description = "Write the graph as ONNX Runtime runs it on this machine (ONNX), e.g. to see which nodes run in float16" };

        var command = new RootCommand("Classifies images with an exported Toolchain model on ONNX Runtime's CPU provider.")
        {
            files, model, labels, first, truth, bench, batch, threads, info, saveOptimized,
        };
        command.SetAction(parse =>
        {
            try
            {
                var modelPath = parse.GetValue(model) ?? ModelFiles.FindModel(AppContext.BaseDirectory);
                using var classifier = EdgeClassifier.Open(modelPath, parse.GetValue(labels), parse.GetValue(threads), parse.GetValue(saveOptimized));
                if (parse.GetValue(info))
                {
                    PrintInfo(Console.Out, classifier);
                    return 0;
                }
                int runs = parse.GetValue(bench);
                var inputs = parse.GetValue(files) ?? [];
                var samples = runs > 0 && inputs.Length == 0 ? null : ReadInputs(inputs, classifier.SampleShape, parse.GetValue(first));
                if (runs > 0)
                {
                    Console.Out.WriteLine(LatencyBenchmark.Measure(classifier, samples, runs, parse.GetValue(batch)).Describe());
                    return 0;
                }
                Classify(classifier, samples!, parse.GetValue(truth));
                return 0;
            }
            catch (Exception e) when (e is EdgeException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"toolchain-edge: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Samples ReadInputs(string[] inputs, long[] sampleShape, int? first)
    {
        if (first is <= 0) throw new EdgeException($"--first: expected a positive number of samples, got {first}");
        var parts = (inputs.Length == 0 ? ["-"] : inputs).Select(name =>
        {
            var bytes = name == "-" ? ReadStandardInput() : File.Exists(name) ? File.ReadAllBytes(name) : throw new EdgeException($"input file '{name}' does not exist");
            return SampleReader.Read(bytes, name == "-" ? "standard input" : name, sampleShape);
        }).ToList();
        var all = parts.Count == 1 ? parts[0] : Samples.Concat(parts, string.Join(", ", inputs));
        if (first is { } n && n < all.Count)
        {
            int size = all.Pixels.Length / Math.Max(all.Count, 1);
            return new Samples(all.Pixels[..(n * size)], n, all.Source);
        }
        return all;
    }

    private static byte[] ReadStandardInput()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void Classify(EdgeClassifier classifier, Samples samples, string? truthPath)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var predictions = classifier.Classify(samples.Pixels, samples.Count);
        started.Stop();
        var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        foreach (var prediction in predictions) output.WriteLine(prediction.ToLine());
        output.Flush();

        var c = CultureInfo.InvariantCulture;
        Console.Error.WriteLine($"classified {predictions.Count.ToString("N0", c)} samples from {samples.Source} with '{classifier.ModelPath}' in {started.Elapsed.TotalMilliseconds.ToString("F1", c)} ms");
        if (truthPath is null) return;
        if (!File.Exists(truthPath)) throw new EdgeException($"--truth: labels file '{truthPath}' does not exist");
        var truth = SampleReader.ReadLabels(File.ReadAllBytes(truthPath), truthPath);
        if (truth.Length < predictions.Count)
            throw new EdgeException($"--truth: '{truthPath}' has {truth.Length} labels for {predictions.Count} samples");
        int correct = predictions.Count(p => p.ClassIndex == truth[p.Sample]);
        Console.Error.WriteLine($"accuracy {((double)correct / predictions.Count).ToString("P2", c)} ({correct}/{predictions.Count} against '{truthPath}')");
    }

    private static void PrintInfo(TextWriter output, EdgeClassifier classifier)
    {
        output.WriteLine($"file                  {classifier.ModelPath}");
        output.WriteLine($"onnxruntime           {OrtEnv.Instance().GetVersionString()} (CPU)");
        output.WriteLine($"input                 {EdgeClassifier.PixelsName}: uint8 [N,{string.Join(",", classifier.SampleShape)}]");
        output.WriteLine($"classes               {classifier.Classes}: {string.Join(", ", classifier.Labels)}");
        foreach (var key in new[] { "model", "version", "variant", "format", "test_accuracy", "test_samples", "validation_agreement", "weight_bytes", "exported_at" })
            if (classifier.Metadata.TryGetValue(key, out var value)) output.WriteLine($"{key,-22}{value}");
    }
}
