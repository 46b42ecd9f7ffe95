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
        for (long step = 1; step <= steps; step++)
        {
            float a = cpu.Step(step), b = other.Step(step);
            worstLoss = Math.Max(worstLoss, Math.Abs(a - b) / Math.Max(1e-6, Math.Abs(a)));
            losses.Add(new { step, cpu = a, device = b });
        }
        var cpuState = cpu.State.Snapshot();
        var deviceState = other.State.Snapshot();
        double worstParameter = 0;
        string worstName = "";
        foreach (var (name, tensor) in cpuState)
        {
            var theirs = deviceState[name].Data;
            for (long i = 0; i < tensor.Data.LongLength; i++)
            {
                double d = Math.Abs(tensor.Data[i] - theirs[i]);
                if (d > worstParameter) (worstParameter, worstName) = (d, name);
            }
        }
        Json.Emit(new { model = cpu.Recipe.Name, device, batch, steps, losses, max_relative_loss_difference = worstLoss,
            max_parameter_difference = worstParameter, at = worstName });
        return 0;
    }
}
