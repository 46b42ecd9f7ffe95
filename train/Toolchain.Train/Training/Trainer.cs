using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Toolchain.Files;
using Toolchain.Recipes;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Layers;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Training;

/// <summary>
/// Trains a recipe end to end: generates the artifacts, runs the fused train step over shuffled
/// mini-batches, evaluates on the validation split every epoch, and writes checkpoints, metrics and
/// a summary into the run folder.
/// </summary>
public sealed class Trainer(Recipe recipe, TrainingData data, TrainerOptions options)
{
    public TrainingSummary Run()
    {
        var run = options.RunDirectory;
        var artifactsDirectory = Path.Combine(run, "artifacts");
        var log = options.Output;
        var training = recipe.Training;

        var forward = ForwardModelBuilder.Build(recipe.Model, training.Seed, options.RecipeDirectory);
        var generator = new ArtifactGenerator(LossFactory.Create(recipe.Loss), OptimizerFactory.Create(recipe.Optimizer), recipe.Model.Trainable);
        var artifacts = generator.Generate(forward);
        artifacts.Save(artifactsDirectory);
        var manifest = artifacts.Manifest;
        log.WriteLine($"Artifacts: {artifactsDirectory} ({manifest.Parameters.Count} parameter tensors, " +
            $"{manifest.Parameters.Sum(p => p.ElementCount):N0} parameters, optimizer {manifest.Optimizer})");

        using var trainSession = SessionFactory.Create(Path.Combine(artifactsDirectory, ArtifactNames.TrainStepFile), training.Device, training.Threads);
        using var evalSession = SessionFactory.Create(Path.Combine(artifactsDirectory, ArtifactNames.EvalFile), training.Device, training.Threads);
        using var state = new ParameterState(manifest, artifacts.InitialParameters, null);
        using var runner = new TrainStepRunner(trainSession, manifest, state);
        using var evaluator = new Evaluator(evalSession, manifest, state);

        var checkpoints = new CheckpointStore(Path.Combine(run, "checkpoints"), training.KeepCheckpoints);
        var metricsLog = new MetricsLog(Path.Combine(run, "metrics.jsonl"));
        if (File.Exists(metricsLog.Path)) File.Delete(metricsLog.Path);
        var progress = new ProgressLine(log, options.Interactive);

        int batchSize = training.BatchSize;
        int stepsPerEpoch = training.DropLast ? data.TrainCount / batchSize : (data.TrainCount + batchSize - 1) / batchSize;
        if (stepsPerEpoch == 0)
            throw new RecipeException($"training.batch_size: {batchSize} is larger than the {data.TrainCount} training samples with drop_last");
        log.WriteLine($"Training {recipe.Name} on {training.Device}: {data.TrainCount:N0} train / {data.ValidationCount:N0} validation samples, " +
            $"batch {batchSize}, {stepsPerEpoch} steps per epoch, {training.Epochs} epochs");

        var history = new List<EpochMetrics>();
        var order = Enumerable.Range(0, data.TrainCount).ToArray();
        long step = 0;
        double bestScore = double.NegativeInfinity;
        int bestEpoch = 0;
        double epochSeconds = 0;
        long totalSamples = 0;
        string latest = "";
        for (int epoch = 1; epoch <= training.Epochs; epoch++)
        {
            ShuffleForEpoch(order, training.Seed, epoch);
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            long samples = 0;
            double lr = recipe.Optimizer.Lr;
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                int start = s * batchSize;
                int size = Math.Min(batchSize, data.TrainCount - start);
                step++;
                var loss = runner.Step(data.TrainFeatures, data.TrainLabels, order.AsSpan(start, size), (float)lr, step);
                if (!float.IsFinite(loss))
                    throw new TrainingDivergedException($"loss became {loss} at epoch {epoch}, step {step} (batch {s + 1} of the epoch); " +
                        $"the last good checkpoint is {(latest.Length > 0 ? latest : "none yet")}. Try a lower optimizer.lr");
                lossSum += loss * size;
                samples += size;
                progress.Update(epoch, training.Epochs, s + 1, stepsPerEpoch, lossSum / samples, samples / epochClock.Elapsed.TotalSeconds);
            }
            var trainSeconds = epochClock.Elapsed.TotalSeconds;
            totalSamples += samples;
            var validation = evaluator.Evaluate(data.ValidationFeatures, data.ValidationLabels);
            progress.Finish();

            double score = validation.Accuracy ?? -validation.Loss;
            bool isBest = score > bestScore;
            if (isBest) (bestScore, bestEpoch) = (score, epoch);
            var metrics = new Dictionary<string, double?>
            {
                ["train_loss"] = lossSum / samples,
                ["val_loss"] = validation.Loss,
                ["val_accuracy"] = validation.Accuracy,
            };
            latest = checkpoints.Save(new CheckpointContents(manifest, state.Snapshot(), recipe.Name, epoch, step,
                data.Mean, data.Std, data.ClassNames, metrics), isBest);
            var record = new EpochMetrics(epoch, step, lr, lossSum / samples, validation.Loss, validation.Accuracy,
                samples / trainSeconds, trainSeconds, latest);
            history.Add(record);
            metricsLog.Append(record);
            epochSeconds += trainSeconds;
            log.WriteLine($"epoch {epoch}/{training.Epochs}  train_loss {record.TrainLoss:F4}  val_loss {record.ValLoss:F4}" +
                (record.ValAccuracy is { } a ? $"  val_accuracy {a:F4}" : "") + $"  {record.SamplesPerSecond:N0} samples/s  {trainSeconds:F1}s");
        }

        var last = history[^1];
        var summary = new TrainingSummary(recipe.Name, training.Device, training.Epochs, step, batchSize, last.TrainLoss, last.ValLoss,
            last.ValAccuracy, history[bestEpoch - 1].ValAccuracy, bestEpoch, totalSamples / epochSeconds, epochSeconds, latest,
            Path.Combine(checkpoints.Directory, CheckpointStore.BestFile), history);
        AtomicFile.WriteAllText(Path.Combine(run, "summary.json"), JsonSerializer.Serialize(summary, TrainingArtifacts.Json));
        PrintSummary(summary);
        return summary;
    }

    /// <summary>The data order of an epoch depends only on the seed and the epoch, so a resumed run sees the same batches.</summary>
    public static void ShuffleForEpoch(int[] order, int seed, int epoch)
    {
        for (int k = 0; k < order.Length; k++) order[k] = k;
        new Random(unchecked(seed * 1_000_003 + epoch)).Shuffle(order);
    }

    private void PrintSummary(TrainingSummary summary)
    {
        var table = new Table().AddColumns("epoch", "train loss", "val loss", "val accuracy", "samples/s", "seconds");
        foreach (var e in summary.History)
            table.AddRow(e.Epoch.ToString(), e.TrainLoss.ToString("F4"), e.ValLoss.ToString("F4"),
                e.ValAccuracy?.ToString("F4") ?? "-", e.SamplesPerSecond.ToString("N0"), e.EpochSeconds.ToString("F1"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(options.Output), Ansi = options.Interactive ? AnsiSupport.Detect : AnsiSupport.No });
        console.Write(table);
        options.Output.WriteLine($"Throughput: {summary.SamplesPerSecond:N0} samples/s (batch {summary.BatchSize}, {summary.Steps} steps, {summary.TrainingSeconds:F1}s of training)");
        options.Output.WriteLine($"Best validation accuracy: {summary.BestValAccuracy?.ToString("F4") ?? "-"} at epoch {summary.BestEpoch}");
        options.Output.WriteLine($"Checkpoints: {summary.LatestCheckpoint} (latest), {summary.BestCheckpoint} (best)");
    }
}
