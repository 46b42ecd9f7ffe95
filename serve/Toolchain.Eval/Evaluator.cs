using System.Diagnostics;
using Spectre.Console;

namespace Toolchain.Eval;

/// <summary>
/// Runs an evaluation: reads the model's metadata from the server, sends the held-out set through it in
/// batches with a progress bar, scores the predictions, writes the report atomically and prints it.
/// </summary>
public static class Evaluator
{
    /// <summary>Largest class index the confusion matrix will make room for.</summary>
    public const int MaxClasses = 4096;

    public static async Task<EvalReport> RunAsync(EvalOptions options, IAnsiConsole console, CancellationToken cancel)
    {
        if (options.BatchSize < 1)
            throw new EvalException($"--batch: expected a positive number of images per request, got {options.BatchSize}");
        var testSet = TestSet.Load(options.DataDirectory);
        using var client = new InferenceClient(options.Url);
        var model = await client.GetModelAsync(options.Model, cancel);
        var predictions = new long[testSet.Count];
        var clock = Stopwatch.StartNew();
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"{Markup.Escape(model.Name)} v{Markup.Escape(model.Version)}: {testSet.Count} images", maxValue: Math.Max(1, testSet.Count));
                for (int start = 0; start < testSet.Count; start += options.BatchSize)
                {
                    int count = Math.Min(options.BatchSize, testSet.Count - start);
                    var batch = await client.ClassifyAsync(
                        model, testSet.Pixels.AsMemory(start * testSet.PixelsPerImage, count * testSet.PixelsPerImage),
                        count, testSet.PixelsPerImage, $"eval-{start / options.BatchSize}", cancel);
                    if (batch.Length != count)
                        throw new EvalException($"server answered {batch.Length} predictions for a batch of {count} images (request eval-{start / options.BatchSize})");
                    batch.CopyTo(predictions, start);
                    task.Increment(count);
                }
            });
        clock.Stop();

        var labels = ClassLabels(model, options.LabelsPath, testSet, predictions);
        var matrix = new ConfusionMatrix(labels.Count);
        for (int i = 0; i < testSet.Count; i++)
            matrix.Add(testSet.Labels[i], (int)predictions[i]);
        var report = EvalReport.From(model, options.Url, options.DataDirectory, matrix, labels, clock.Elapsed);
        report.Write(options.OutputPath);
        ReportTables.Render(console, report, options.OutputPath);
        return report;
    }

    /// <summary>
    /// Labels from --labels FILE, else from the server's model metadata, else the class numbers; as many as
    /// the largest class seen in the data or the predictions needs.
    /// </summary>
    private static IReadOnlyList<string> ClassLabels(RemoteModel model, string? labelsPath, TestSet testSet, long[] predictions)
    {
        IReadOnlyList<string> named = model.Labels;
        if (labelsPath is not null)
        {
            if (!File.Exists(labelsPath))
                throw new EvalException($"--labels: file '{labelsPath}' does not exist");
            named = File.ReadAllLines(labelsPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        }
        for (int i = 0; i < predictions.Length; i++)
            if (predictions[i] < 0 || predictions[i] >= MaxClasses)
                throw new EvalException($"server predicted class {predictions[i]} for image {i}; expected a class index in [0, {MaxClasses})");
        int classes = new[]
        {
            named.Count,
            model.OutputClasses ?? 0,
            testSet.Count == 0 ? 0 : testSet.Labels.Max() + 1,
            predictions.Length == 0 ? 0 : (int)predictions.Max() + 1,
            1,
        }.Max();
        return Enumerable.Range(0, classes).Select(c => c < named.Count ? named[c] : c.ToString()).ToArray();
    }
}
