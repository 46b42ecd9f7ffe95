using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Data;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Data;
using Toolchain.Train.Training;

namespace Toolchain.Tests.DataPreparation;

public sealed class AugmentationTests
{
    private const int Side = 8;

    private static float[] Image(Func<int, int, float> pixel) =>
        Enumerable.Range(0, Side * Side).Select(k => pixel(k / Side, k % Side)).ToArray();

    private static float[] Augment(AugmentSection spec, float[] batch, int count, long step, int seed = 3, int firstPosition = 0)
    {
        var copy = (float[])batch.Clone();
        new BatchAugmentation(spec, [Side, Side], background: -1f, seed).Apply(copy, count, step, firstPosition);
        return copy;
    }

    [Test]
    public void Shift_moves_the_image_by_at_most_k_pixels_and_fills_with_the_background()
    {
        var image = Image((y, x) => y == 4 && x == 3 ? 9f : 0f);
        var offsets = new HashSet<(int, int)>();
        for (long step = 1; step <= 200; step++)
        {
            var shifted = Augment(new AugmentSection { Shift = 2 }, image, 1, step);
            int at = Array.IndexOf(shifted, 9f);
            Assert.That(at, Is.Not.EqualTo(-1), "a 2-pixel shift keeps a pixel 3 away from the border");
            var (dy, dx) = (at / Side - 4, at % Side - 3);
            Assert.That(Math.Max(Math.Abs(dy), Math.Abs(dx)), Is.LessThanOrEqualTo(2));
            offsets.Add((dy, dx));
            Assert.That(shifted.Count(v => v == 9f), Is.EqualTo(1));
            int background = shifted.Count(v => v == -1f);
            Assert.That(background, Is.EqualTo(Side * Math.Abs(dy) + Side * Math.Abs(dx) - Math.Abs(dy) * Math.Abs(dx)), "exactly the uncovered border");
        }
        Assert.That(offsets, Has.Count.EqualTo(25), "every offset in [−2, 2]² occurs");
    }

    [Test]
    public void Flip_mirrors_left_to_right_about_half_the_time()
    {
        var image = Image((y, x) => 10 * y + x);
        var mirrored = Image((y, x) => 10 * y + (Side - 1 - x));
        int flips = 0;
        for (long step = 1; step <= 400; step++)
        {
            var result = Augment(new AugmentSection { Flip = true }, image, 1, step);
            if (result.SequenceEqual(mirrored)) flips++;
            else Assert.That(result, Is.EqualTo(image));
        }
        Assert.That(flips, Is.InRange(160, 240));
    }

    [Test]
    public void Noise_has_the_requested_standard_deviation()
    {
        var batch = new float[64 * Side * Side];
        var noisy = Augment(new AugmentSection { Noise = 0.3 }, batch, 64, step: 1);
        double mean = noisy.Average(v => (double)v);
        double std = Math.Sqrt(noisy.Average(v => (v - mean) * (v - mean)));
        Assert.That(mean, Is.EqualTo(0).Within(0.02));
        Assert.That(std, Is.EqualTo(0.3).Within(0.015));
    }

    [Test]
    public void The_same_seed_step_and_position_give_the_same_augmentation()
    {
        var spec = new AugmentSection { Shift = 2, Flip = true, Noise = 0.1 };
        var random = new Random(1);
        var batch = Enumerable.Range(0, 4 * Side * Side).Select(_ => (float)random.NextDouble()).ToArray();

        var first = Augment(spec, batch, 4, step: 7);
        Assert.That(Augment(spec, batch, 4, step: 7), Is.EqualTo(first));
        Assert.That(Augment(spec, batch, 4, step: 8), Is.Not.EqualTo(first), "another step");
        Assert.That(Augment(spec, batch, 4, step: 7, seed: 4), Is.Not.EqualTo(first), "another seed");
        // Micro-batches (gradient accumulation) see what the whole batch would: position, not call, seeds a sample.
        var secondHalf = Augment(spec, batch[(2 * Side * Side)..], 2, step: 7, firstPosition: 2);
        Assert.That(secondHalf, Is.EqualTo(first[(2 * Side * Side)..]));
    }

    [Test]
    public void Shift_and_flip_need_images()
    {
        var error = Assert.Throws<RecipeException>(() => new BatchAugmentation(new AugmentSection { Flip = true }, [10], 0f, 1));
        Assert.That(error!.Message, Does.Contain("data.augment"));
        Assert.That(BatchAugmentation.For(new AugmentSection(), [Side, Side], 0f, 1), Is.Null, "nothing asked, nothing applied");
        var recipe = Assert.Throws<RecipeException>(() => RecipeLoader.Parse("""
            data: { dataset: synthetic, augment: { shift: 2 } }
            model: { input_shape: [1], layers: [{ type: linear, units: 1 }] }
            """, "m.yaml"));
        Assert.That(recipe!.Message, Does.Contain("data.augment"));
    }

    // --- in the trainer ---

    private const string ImageRecipe = """
        name: images
        model:
          input_shape: [8, 8]
          layers:
            - { type: flatten }
            - { type: linear, units: 16, name: fc1 }
            - { type: relu }
            - { type: linear, units: 2, name: fc2 }
        optimizer: { name: sgd, lr: 0.05 }
        training: { batch_size: 16, epochs: 2, seed: 5 }
        """;

    /// <summary>Two classes of 8×8 byte images: a bright bar on the left or on the right, with noise.</summary>
    private static TrainingData Images()
    {
        var random = new Random(2);
        LabeledImages Make(int count)
        {
            var pixels = new byte[count * Side * Side];
            var labels = new byte[count];
            for (int i = 0; i < count; i++)
            {
                labels[i] = (byte)(i % 2);
                for (int y = 0; y < Side; y++)
                    for (int x = 0; x < Side; x++)
                    {
                        bool bar = labels[i] == 0 ? x is 1 or 2 : x is 5 or 6;
                        pixels[i * Side * Side + y * Side + x] = (byte)Math.Min(255, (bar ? 180 : 20) + random.Next(60));
                    }
            }
            return new LabeledImages(pixels, labels, [Side, Side]);
        }
        return TrainingData.FromImages(Make(160), Make(64), "standard", ["left", "right"]);
    }

    private static TrainingSummary Train(string directory, TrainingData data, bool resume = false, CancellationToken cancel = default,
        params (string Key, string Value)[] overrides)
    {
        var recipe = RecipeLoader.Parse(ImageRecipe, "images.yaml", overrides.Select(o => new KeyValuePair<string, string>(o.Key, o.Value)).ToList());
        return new Trainer(recipe, data, new TrainerOptions(directory, directory, TextWriter.Null, Resume: resume, Cancellation: cancel)).Run();
    }

    private static readonly (string, string)[] Augmented = [("data.augment.shift", "2"), ("data.augment.flip", "true"), ("data.augment.noise", "0.5")];

    [Test]
    public void Augmentation_changes_training_batches_but_never_validation()
    {
        // With a rate too small to move any weight, validation sees the initial weights in both runs: its loss
        // must not depend on augmentation, while the training loss (on augmented batches) must.
        var data = Images();
        using var plainRun = new TempDirectory();
        using var augmentedRun = new TempDirectory();
        var tiny = ("optimizer.lr", "1e-12");
        var plain = Train(plainRun.Path, data, overrides: [tiny, ("training.epochs", "1")]);
        var augmented = Train(augmentedRun.Path, data, overrides: [.. Augmented, tiny, ("training.epochs", "1")]);

        // Same weights at every step in both runs, so any difference in training loss is the batches' contents.
        Assert.That(Math.Abs(augmented.History[0].TrainLoss - plain.History[0].TrainLoss), Is.GreaterThan(1e-4));
        Assert.That(augmented.History[0].ValLoss, Is.EqualTo(plain.History[0].ValLoss).Within(1e-7));
        Assert.That(augmented.History[0].ValAccuracy, Is.EqualTo(plain.History[0].ValAccuracy));
    }

    [Test]
    public void An_augmented_run_is_reproducible_and_resumes_to_the_same_losses_and_weights()
    {
        var data = Images();
        using var straight = new TempDirectory();
        using var again = new TempDirectory();
        using var interrupted = new TempDirectory();
        var reference = Train(straight.Path, data, overrides: Augmented);
        var repeated = Train(again.Path, data, overrides: Augmented);
        Assert.That(repeated.History.Select(h => h.TrainLoss), Is.EqualTo(reference.History.Select(h => h.TrainLoss)));

        using var stop = new CancellationTokenSource();
        stop.Cancel();
        Assert.That(Train(interrupted.Path, data, false, stop.Token, Augmented).Interrupted, Is.True, "stopped after the first step");
        var resumed = Train(interrupted.Path, data, true, default, Augmented);

        Assert.That(resumed.History.Select(h => h.TrainLoss), Is.EqualTo(reference.History.Select(h => h.TrainLoss)));
        Assert.That(Checkpoint.Load(resumed.LatestCheckpoint).Tensors["fc1.weight"].Data,
            Is.EqualTo(Checkpoint.Load(reference.LatestCheckpoint).Tensors["fc1.weight"].Data));
    }
}
