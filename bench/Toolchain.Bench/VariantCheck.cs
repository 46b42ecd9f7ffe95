namespace Toolchain.Bench;

/// <summary>
/// Runs the same steps on the baseline train step and on a <see cref="GraphVariants"/> rewrite, from the
/// same initial parameters and batches, and reports the largest loss difference and the largest difference in parameters and optimizer state after them: a rewrite proposed for
/// the generator must compute the same thing. Dropout is switched off in both (its masks differ per session).
/// </summary>
public static class VariantCheck
{
    public static int Run(Arguments args)
    {
        var recipePath = args.String("recipe");
        int batch = args.Int("batch", 128), steps = args.Int("steps", 50);
        var variant = args.String("variant");
        // Dropout off in both, so the two graphs see the same masks (none).
        using var baseline = TrainingSetup.Create(recipePath, batch, 1, "dropout-off");
        using var rewritten = TrainingSetup.Create(recipePath, batch, 1, "dropout-off+" + variant);
        double maxDiff = 0;
        float first = 0, last = 0;
        for (int s = 1; s <= steps; s++)
        {
            float a = baseline.Step(s), b = rewritten.Step(s);
            maxDiff = Math.Max(maxDiff, Math.Abs(a - b));
            if (s == 1) first = a;
            last = a;
        }
        var before = baseline.State.Snapshot();
        var after = rewritten.State.Snapshot();
        var differences = before.ToDictionary(kv => kv.Key, kv => kv.Value.Data.Zip(after[kv.Key].Data, (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max());
        var worst = differences.MaxBy(kv => kv.Value);
        double maxParameterDiff = worst.Value;
        Json.Emit(new { variant, steps, first_loss = first, last_loss = last, max_loss_difference = maxDiff, max_parameter_difference = maxParameterDiff, worst_tensor = worst.Key,
            differences = differences.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Take(6).ToDictionary(),
            nodes = new { baseline = baseline.Artifacts.TrainStep.Graph.Node.Count } });
        return 0;
    }
}
