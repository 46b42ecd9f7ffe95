using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Files;
using Toolchain.Recipes;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Data;
using Toolchain.Train.Layers;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;
using Toolchain.Train.Schedules;

namespace Toolchain.Train.Training;

/// <summary>
/// Trains a recipe end to end: generates the artifacts, runs optimizer steps over shuffled
/// mini-batches, evaluates on the validation split every epoch, and writes checkpoints, metrics and
/// a summary into the run folder. Resumes from the newest good checkpoint when asked, and stops
/// cleanly (checkpoint first) when cancelled.
/// </summary>
public sealed class Trainer(Recipe recipe, TrainingData data, TrainerOptions options)
{
    private readonly TextWriter log = options.Output;
    private IOptimizer? optimizer;

    /// <summary>Created on first use, so a bad optimizer section is reported by <see cref="Run"/>.</summary>
    private IOptimizer Optimizer => optimizer ??= OptimizerFactory.Create(recipe.Optimizer);

    public TrainingSummary Run()
    {
        var training = recipe.Training;
        var artifactsDirectory = Path.Combine(options.RunDirectory, "artifacts");
        var artifacts = GenerateArtifacts(artifactsDirectory);
        var manifest = artifacts.Manifest;
        var modelSampleSize = manifest.SampleShape.Aggregate(1L, (a, b) => a * b);
        if (modelSampleSize != data.SampleSize)
            throw new RecipeException($"the model's input takes samples of shape [{string.Join(",", manifest.SampleShape)}] ({modelSampleSize} values), " +
                $"but the data's samples have shape [{string.Join(",", data.SampleShape)}] ({data.SampleSize} values)");

        int batchSize = training.BatchSize == 0 ? data.TrainCount : training.BatchSize * training.GradientAccumulation;
        int stepsPerEpoch = training.DropLast ? data.TrainCount / batchSize : (data.TrainCount + batchSize - 1) / batchSize;
        if (stepsPerEpoch == 0)
            throw new RecipeException($"training.batch_size: a batch of {batchSize} is larger than the {data.TrainCount} training samples with drop_last");
        var schedule = ScheduleFactory.Create(recipe.Schedule, recipe.Optimizer.Lr, stepsPerEpoch, training.Epochs);
        var plateau = schedule as IPlateauSchedule;
        var monitor = new MetricMonitor(training.Monitor, training.EarlyStopping.Patience, training.EarlyStopping.MinDelta);
        var checkpoints = new CheckpointStore(Path.Combine(options.RunDirectory, "checkpoints"), training.KeepCheckpoints);
        var resume = options.Resume ? ResumePoint.Find(checkpoints, log) : null;
        if (options.Resume && resume is null) log.WriteLine("No checkpoint to resume from: starting from the beginning");
        if (resume is null) checkpoints.Clear();

        // On CUDA the fused step keeps parameters and optimizer state in GPU memory; gradient accumulation edits
        // running statistics from the host between micro-batches, so it keeps them in host memory.
        using var deviceMemory = training.Device == "cuda" && training.GradientAccumulation == 1 ? new DeviceMemory(training.Device) : null;
        using var state = new ParameterState(manifest, resume?.Checkpoint.Tensors ?? artifacts.InitialParameters, resume?.Checkpoint.Tensors, deviceMemory);
        using var evalSession = SessionFactory.Create(Path.Combine(artifactsDirectory, ArtifactNames.EvalFile), training.Device, training.Threads);
        using var evaluator = new Evaluator(evalSession, manifest, state);
        var sessions = new List<InferenceSession>();
        using var runner = CreateRunner(artifactsDirectory, manifest, state, sessions);
        try
        {
            var loop = new LoopPosition();
            var metricsLog = new MetricsLog(Path.Combine(options.RunDirectory, "metrics.jsonl"));
            var history = new List<EpochMetrics>();
            if (resume is not null)
            {
                loop = LoopPosition.From(resume, stepsPerEpoch);
                RestoreBookkeeping(resume, monitor, plateau);
                history.AddRange(metricsLog.ReadEpochs().Where(e => e.Epoch < loop.Epoch));
                log.WriteLine($"Resuming from {resume.Path}: epoch {loop.Epoch}, batch {loop.EpochStep + 1} of {stepsPerEpoch}, step {loop.Step}");
            }
            metricsLog.Rewrite(history);

            log.WriteLine($"Training {recipe.Name} on {training.Device}: {data.TrainCount:N0} train / {data.ValidationCount:N0} validation samples, " +
                $"batch {batchSize}{(training.GradientAccumulation > 1 ? $" ({training.GradientAccumulation} × {training.BatchSize})" : "")}, " +
                $"{stepsPerEpoch} steps per epoch, {training.Epochs} epochs");
            if (data.Report is { } dataReport)
            {
                log.WriteLine(dataReport.LogLine());
                dataReport.Save(options.RunDirectory);
            }
            var progress = new ProgressLine(log, options.Interactive);
            var order = new int[data.TrainCount];
            string latest = resume?.Path ?? "";
            bool stoppedEarly = false, interrupted = false;
            int skipped = 0;
            for (int epoch = loop.Epoch; epoch <= training.Epochs && !stoppedEarly && !interrupted; epoch++)
            {
                ShuffleForEpoch(order, training.Seed, epoch);
                var clock = Stopwatch.StartNew();
                int first = epoch == loop.Epoch ? loop.EpochStep : 0;
                long epochSamples = 0;
                double lr = schedule.At(loop.Step);
                for (int s = first; s < stepsPerEpoch; s++)
                {
                    int start = s * batchSize;
                    int size = Math.Min(batchSize, data.TrainCount - start);
                    lr = schedule.At(loop.Step);
                    int nextStart = start + size;
                    var next = s + 1 < stepsPerEpoch ? order.AsSpan(nextStart, Math.Min(batchSize, data.TrainCount - nextStart)) : [];
                    var loss = runner.Step(data.TrainFeatures, data.TrainLabels, order.AsSpan(start, size), (float)lr, ++loop.Step, next);
                    bool finite = float.IsFinite(loss) && float.IsFinite(runner.GradientNorm ?? 0);
                    if (!finite && training.OnNonFinite == "skip")
                    {
                        // The step wrote into the other buffer set; swapping back restores the values before it.
                        state.Swap();
                        loop.Step--;
                        skipped++;
                        log.WriteLine($"warning: loss {loss}{NormText(runner)} at epoch {epoch}, batch {s + 1}: step skipped ({skipped} so far)");
                        continue;
                    }
                    if (!finite)
                        throw new TrainingDivergedException($"loss {loss}{NormText(runner)} at epoch {epoch}, step {loop.Step} (batch {s + 1} of the epoch); " +
                            $"the last good checkpoint is {(latest.Length > 0 ? latest : "none yet")}. Try a lower optimizer.lr or clipping.max_norm");
                    loop.LossSum += loss * (double)size;
                    loop.Samples += size;
                    epochSamples += size;
                    loop.EpochStep = s + 1;
                    progress.Update(epoch, training.Epochs, s + 1, stepsPerEpoch, loop.LossSum / loop.Samples, epochSamples / clock.Elapsed.TotalSeconds);
                    if (options.Cancellation.IsCancellationRequested && s + 1 < stepsPerEpoch)
                    {
                        progress.Finish();
                        latest = checkpoints.Save(Contents(manifest, state, epoch, loop, monitor, plateau, new Dictionary<string, double?>()), complete: false, isBest: false);
                        log.WriteLine($"Interrupted at epoch {epoch}, step {loop.Step}: saved {latest}. Continue with --resume.");
                        interrupted = true;
                        break;
                    }
                }
                if (interrupted) break;
                var seconds = clock.Elapsed.TotalSeconds;
                var validation = evaluator.Evaluate(data.ValidationFeatures, data.ValidationLabels);
                progress.Finish();
                bool isBest = monitor.Observe(epoch, monitor.Score(validation));
                plateau?.Report(plateau is ReduceLrOnPlateau { Mode: "max" } ? validation.Accuracy ?? -validation.Loss : validation.Loss);
                var metrics = new Dictionary<string, double?>
                {
                    ["train_loss"] = loop.LossSum / loop.Samples,
                    ["val_loss"] = validation.Loss,
                    ["val_accuracy"] = validation.Accuracy,
                };
                latest = checkpoints.Save(Contents(manifest, state, epoch, loop, monitor, plateau, metrics), complete: true, isBest);
                var record = new EpochMetrics(epoch, loop.Step, lr, loop.LossSum / loop.Samples, validation.Loss, validation.Accuracy,
                    epochSamples / seconds, seconds, latest);
                history.Add(record);
                metricsLog.Append(record);
                log.WriteLine($"epoch {epoch}/{training.Epochs}  train_loss {record.TrainLoss:F4}  val_loss {record.ValLoss:F4}" +
                    (record.ValAccuracy is { } a ? $"  val_accuracy {a:F4}" : "") + $"  lr {lr:G4}  {record.SamplesPerSecond:N0} samples/s  {seconds:F1}s");
                loop = loop with { Epoch = epoch + 1, EpochStep = 0, LossSum = 0, Samples = 0 };
                if (monitor.ShouldStop)
                {
                    stoppedEarly = true;
                    log.WriteLine($"Early stopping: {monitor.Metric} has not improved by more than {training.EarlyStopping.MinDelta} for {monitor.EpochsWithoutImprovement} epochs (best {monitor.Best:F4} at epoch {monitor.BestEpoch})");
                    if (training.EarlyStopping.RestoreBest) latest = RestoreBest(checkpoints, latest, monitor.BestEpoch);
                }
            }
            var summary = Summarize(history, loop.Step, batchSize, latest, checkpoints, monitor, stoppedEarly, interrupted);
            if (data.TestCount > 0 && !interrupted && latest.Length > 0)
            {
                var test = TestSplitEvaluation.Run(evalSession, manifest, latest, data);
                test.Save(options.RunDirectory);
                log.WriteLine(test.LogLine());
            }
            AtomicFile.WriteAllText(Path.Combine(options.RunDirectory, "summary.json"), JsonSerializer.Serialize(summary, TrainingArtifacts.Json));
            if (history.Count > 0) new SummaryTable(log, options.Interactive).Print(summary);
            return summary;
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
        }
    }

    private TrainingArtifacts GenerateArtifacts(string directory)
    {
        var forward = ForwardModelBuilder.Build(recipe.Model, recipe.Training.Seed, options.RecipeDirectory);
        var artifacts = ArtifactGenerator.For(recipe, Optimizer).Generate(forward, recipe.Model.Forward ?? "recipe layers");
        artifacts.Save(directory);
        var m = artifacts.Manifest;
        log.WriteLine($"Artifacts: {directory} ({m.Parameters.Count} parameter tensors, {m.Parameters.Sum(p => p.ElementCount):N0} parameters, optimizer {m.Optimizer})");
        return artifacts;
    }

    private IStepRunner CreateRunner(string directory, ArtifactManifest manifest, ParameterState state, List<InferenceSession> sessions)
    {
        var t = recipe.Training;
        var augmentation = BatchAugmentation.For(recipe.Data.Augment, data.SampleShape, data.ScaledZero, t.Seed);
        InferenceSession Open(string file)
        {
            var session = SessionFactory.Create(Path.Combine(directory, file), t.Device, t.Threads);
            sessions.Add(session);
            return session;
        }
        if (t.GradientAccumulation > 1)
            return new AccumulatingStepRunner(Open(ArtifactNames.TrainingFile), Open(ArtifactNames.OptimizerFile), manifest, state, Optimizer, t.BatchSize, augmentation);
        return new TrainStepRunner(Open(ArtifactNames.TrainStepFile), manifest, state, Optimizer, augmentation);
    }

    private CheckpointContents Contents(ArtifactManifest manifest, ParameterState state, int epoch, LoopPosition loop,
        MetricMonitor monitor, IPlateauSchedule? plateau, Dictionary<string, double?> metrics)
    {
        var bookkeeping = new Dictionary<string, string>
        {
            ["epoch_step"] = loop.EpochStep.ToString(),
            ["epoch_loss_sum"] = loop.LossSum.ToString("R", CultureInfo.InvariantCulture),
            ["epoch_samples"] = loop.Samples.ToString(),
            ["best_epoch"] = monitor.BestEpoch.ToString(),
            ["best_score"] = monitor.Best?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            ["epochs_without_improvement"] = monitor.EpochsWithoutImprovement.ToString(),
            ["seed"] = recipe.Training.Seed.ToString(),
        };
        if (plateau is not null) bookkeeping["plateau_state"] = JsonSerializer.Serialize(plateau.State);
        return new CheckpointContents(manifest, state.Snapshot(), recipe.Name, epoch, loop.Step, data.Mean, data.Std, data.ClassNames, metrics, bookkeeping, data.RawInputType);
    }

    private static void RestoreBookkeeping(ResumePoint resume, MetricMonitor monitor, IPlateauSchedule? plateau)
    {
        var meta = resume.Checkpoint.Metadata;
        double? best = meta.GetValueOrDefault("best_score") is { Length: > 0 } b ? double.Parse(b, CultureInfo.InvariantCulture) : null;
        monitor.Restore(best, int.Parse(meta.GetValueOrDefault("best_epoch", "0")), int.Parse(meta.GetValueOrDefault("epochs_without_improvement", "0")));
        if (plateau is not null && meta.GetValueOrDefault("plateau_state") is { } json)
            plateau.State = JsonSerializer.Deserialize<PlateauState>(json)!;
    }

    private string RestoreBest(CheckpointStore checkpoints, string latest, int bestEpoch)
    {
        // The run's final weights become the best epoch's: the latest checkpoint is replaced by the best one.
        var best = Path.Combine(checkpoints.Directory, CheckpointStore.BestFile);
        var checkpoint = Toolchain.Checkpoints.Checkpoint.Load(best);
        checkpoint.Metadata["restored_from_epoch"] = bestEpoch.ToString();
        checkpoint.Save(latest);
        log.WriteLine($"Restored the best weights (epoch {bestEpoch}) into {latest}");
        return latest;
    }

    private TrainingSummary Summarize(List<EpochMetrics> history, long steps, int batchSize, string latest, CheckpointStore checkpoints,
        MetricMonitor monitor, bool stoppedEarly, bool interrupted)
    {
        double seconds = history.Sum(h => h.EpochSeconds);
        double samples = history.Sum(h => h.SamplesPerSecond * h.EpochSeconds);
        var last = history.Count > 0 ? history[^1] : null;
        var best = history.FirstOrDefault(h => h.Epoch == monitor.BestEpoch);
        return new TrainingSummary(recipe.Name, recipe.Training.Device, history.Count, steps, batchSize, last?.TrainLoss ?? double.NaN,
            last?.ValLoss ?? double.NaN, last?.ValAccuracy, best?.ValAccuracy, monitor.BestEpoch, seconds > 0 ? samples / seconds : 0, seconds,
            latest, Path.Combine(checkpoints.Directory, CheckpointStore.BestFile), stoppedEarly, interrupted, history);
    }

    private static string NormText(IStepRunner runner) => runner.GradientNorm is { } norm ? $", gradient norm {norm}" : "";

    /// <summary>The data order of an epoch depends only on the seed and the epoch, so a resumed run sees the same batches.</summary>
    public static void ShuffleForEpoch(int[] order, int seed, int epoch)
    {
        for (int k = 0; k < order.Length; k++) order[k] = k;
        new Random(unchecked(seed * 1_000_003 + epoch)).Shuffle(order);
    }
}
