using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Tests.Support;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Training;

public sealed class LoopFeatureTests
{
    [Test]
    public void Gradient_accumulation_over_k_micro_batches_equals_one_k_times_larger_batch()
    {
        using var accumulated = new TempDirectory();
        using var large = new TempDirectory();
        var data = TrainerRunner.Data(train: 96);
        var a = TrainerRunner.Train(accumulated.Path, data, ("training.batch_size", "8"), ("training.gradient_accumulation", "4"), ("training.epochs", "2"));
        var b = TrainerRunner.Train(large.Path, data, ("training.batch_size", "32"), ("training.epochs", "2"));

        Assert.That(a.Steps, Is.EqualTo(b.Steps));
        var wa = TrainerRunner.Weights(a.LatestCheckpoint);
        var wb = TrainerRunner.Weights(b.LatestCheckpoint);
        for (int k = 0; k < wa.Length; k++) Assert.That(wa[k], Is.EqualTo(wb[k]).Within(2e-5), $"fc1.weight[{k}]");
        Assert.That(a.FinalTrainLoss, Is.EqualTo(b.FinalTrainLoss).Within(1e-5));
    }

    [TestCase(0, 1, Description = "full batch: one step per epoch")]
    [TestCase(1, 320, Description = "stochastic: one sample per step")]
    [TestCase(48, 7, Description = "mini-batch with a partial last batch of 32")]
    public void Batch_modes_take_the_expected_number_of_steps(int batchSize, int stepsPerEpoch)
    {
        using var run = new TempDirectory();
        var summary = TrainerRunner.Train(run.Path, TrainerRunner.Data(), ("training.batch_size", batchSize.ToString()), ("training.epochs", "1"),
            ("optimizer.lr", batchSize == 1 ? "0.001" : "0.01"));
        Assert.That(summary.Steps, Is.EqualTo(stepsPerEpoch));
        Assert.That(double.IsFinite(summary.FinalTrainLoss), Is.True);
    }

    [Test]
    public void Drop_last_skips_the_partial_batch()
    {
        using var run = new TempDirectory();
        var summary = TrainerRunner.Train(run.Path, TrainerRunner.Data(), ("training.batch_size", "48"), ("training.drop_last", "true"), ("training.epochs", "1"));
        Assert.That(summary.Steps, Is.EqualTo(6));
    }

    [Test]
    public void Early_stopping_ends_the_run_and_restores_the_best_weights()
    {
        using var run = new TempDirectory();
        // A learning rate this large makes validation loss stop improving quickly.
        var summary = TrainerRunner.Train(run.Path, TrainerRunner.Data(), ("training.epochs", "30"), ("optimizer.lr", "0.3"),
            ("training.monitor", "val_loss"), ("training.early_stopping.patience", "2"));

        Assert.That(summary.StoppedEarly, Is.True);
        Assert.That(summary.Epochs, Is.LessThan(30));
        Assert.That(summary.History.Count - summary.BestEpoch, Is.EqualTo(2));
        var latest = Checkpoint.Load(summary.LatestCheckpoint);
        Assert.That(latest.Metadata["restored_from_epoch"], Is.EqualTo(summary.BestEpoch.ToString()));
        Assert.That(latest.Tensors["fc1.weight"].Data, Is.EqualTo(Checkpoint.Load(summary.BestCheckpoint).Tensors["fc1.weight"].Data));
    }

    [Test]
    public void Best_checkpoint_follows_the_monitored_metric()
    {
        using var run = new TempDirectory();
        var summary = TrainerRunner.Train(run.Path, TrainerRunner.Data(), ("training.epochs", "4"), ("training.monitor", "val_loss"));
        var bestEpoch = summary.History.MinBy(h => h.ValLoss)!.Epoch;
        Assert.That(summary.BestEpoch, Is.EqualTo(bestEpoch));
        Assert.That(Checkpoint.Load(summary.BestCheckpoint).Metadata["epoch"], Is.EqualTo(bestEpoch.ToString()));
    }

    [Test]
    public void An_interrupted_run_resumes_to_the_same_losses_and_weights_as_an_uninterrupted_one()
    {
        using var straight = new TempDirectory();
        using var interrupted = new TempDirectory();
        var data = TrainerRunner.Data();
        var reference = TrainerRunner.Train(straight.Path, data, ("schedule.name", "cosine"), ("schedule.interval", "step"));

        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var first = TrainerRunner.Train(interrupted.Path, data, resume: false, stop.Token, ("schedule.name", "cosine"), ("schedule.interval", "step"));
        Assert.That(first.Interrupted, Is.True);
        Assert.That(Directory.GetFiles(Path.Combine(interrupted.Path, "checkpoints"), "*-partial.safetensors"), Has.Length.EqualTo(1));

        var resumed = TrainerRunner.Train(interrupted.Path, data, resume: true, default, ("schedule.name", "cosine"), ("schedule.interval", "step"));

        Assert.That(resumed.History.Select(h => h.TrainLoss), Is.EqualTo(reference.History.Select(h => h.TrainLoss)));
        Assert.That(TrainerRunner.Weights(resumed.LatestCheckpoint), Is.EqualTo(TrainerRunner.Weights(reference.LatestCheckpoint)));
    }

    [Test]
    public void A_corrupt_latest_checkpoint_is_skipped_for_the_one_before_it()
    {
        using var run = new TempDirectory();
        var data = TrainerRunner.Data();
        var reference = TrainerRunner.Train(run.Path, data);
        var latest = reference.LatestCheckpoint;
        var bytes = File.ReadAllBytes(latest);
        File.WriteAllBytes(latest, bytes[..(bytes.Length / 2)]);

        var resumed = TrainerRunner.Train(run.Path, data, resume: true, default);

        Assert.That(resumed.History.Select(h => h.TrainLoss), Is.EqualTo(reference.History.Select(h => h.TrainLoss)));
    }
}

public sealed class NonFiniteLossTests
{
    private static TrainingData Poisoned()
    {
        var data = TrainerRunner.Data();
        // One sample with an infinite feature makes every batch that contains it produce a NaN loss.
        data.TrainFeatures[6 * 17] = float.PositiveInfinity;
        return data;
    }

    [Test]
    public void A_non_finite_loss_stops_training_naming_the_epoch_step_and_batch()
    {
        using var run = new TempDirectory();
        var error = Assert.Throws<TrainingDivergedException>(() => TrainerRunner.Train(run.Path, Poisoned()));
        Assert.That(error!.Message, Does.Contain("epoch 1").And.Contain("step").And.Contain("batch"));
    }

    [Test]
    public void With_skip_the_bad_steps_are_dropped_and_the_weights_stay_finite()
    {
        using var run = new TempDirectory();
        var summary = TrainerRunner.Train(run.Path, Poisoned(), ("training.on_non_finite", "skip"));
        Assert.That(summary.Steps, Is.EqualTo(3 * 20 - 3), "one poisoned batch per epoch is skipped");
        Assert.That(TrainerRunner.Weights(summary.LatestCheckpoint).All(float.IsFinite), Is.True);
        Assert.That(summary.FinalValAccuracy, Is.GreaterThan(0.8));
    }
}
