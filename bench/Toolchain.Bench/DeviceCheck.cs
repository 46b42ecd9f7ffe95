namespace Toolchain.Bench;

/// <summary>
/// The same train steps on the CPU and on another execution provider (CUDA, parameters resident in its memory),
/// from the same initial parameters and random batches: per-step losses and the largest parameter difference
/// after the last step, so a GPU run can be checked against the CPU one without a reference framework.
/// </summary>
public static class DeviceCheck
{
    public static int Run(Arguments args)
    {
        string recipe = args.String("recipe"), device = args.String("device", "cuda");
        int batch = args.Int("batch", 128), steps = args.Int("steps", 20);
        using var cpu = TrainingSetup.Create(recipe, batch, threads: args.Int("threads", 2));
        using var other = TrainingSetup.Create(recipe, batch, threads: 1, device: device);
        var losses = new List<object>();
        double worstLoss = 0;
        var differences = new List<object>();
        for (long step = 1; step <= steps; step++)
        {
            float a = cpu.Step(step), b = other.Step(step);
            losses.Add(new { step, cpu = Text(a), device = Text(b) });
            worstLoss = Math.Max(worstLoss, Math.Abs(a - b) / Math.Max(1e-6, Math.Abs(a)));
            if (!float.IsFinite(b) || step == steps)
            {
                differences = Differences(cpu.State.Snapshot(), other.State.Snapshot());
                break;
            }
        }
        Json.Emit(new { model = cpu.Recipe.Name, device, batch, steps, losses, max_relative_loss_difference = Text(worstLoss), differences });
        return 0;
    }

    /// <summary>Per state tensor: the largest difference and the device's non-finite values, worst first.</summary>
    private static List<object> Differences(Dictionary<string, Toolchain.Checkpoints.FloatTensor> cpu, Dictionary<string, Toolchain.Checkpoints.FloatTensor> device) =>
        cpu.Select(entry =>
        {
            var (mine, theirs) = (entry.Value.Data, device[entry.Key].Data);
            double worst = 0;
            int nonFinite = 0;
            for (long i = 0; i < mine.LongLength; i++)
            {
                if (!float.IsFinite(theirs[i])) { nonFinite++; continue; }
                worst = Math.Max(worst, Math.Abs(mine[i] - theirs[i]));
            }
            return (entry.Key, worst, nonFinite);
        })
        .OrderByDescending(d => d.nonFinite).ThenByDescending(d => d.worst)
        .Select(d => (object)new { tensor = d.Key, max_difference = d.worst, device_non_finite = d.nonFinite }).ToList();

    private static string Text(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
