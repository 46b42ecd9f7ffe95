using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>
/// Linear warm-up in front of any schedule, as PyTorch's LinearLR chained with it: for the first
/// warmup_steps steps the inner rate is scaled by f + (1 − f)·step / warmup_steps, rising from
/// warmup_start_factor (f) to 1; from then on the inner schedule is unchanged (its clock is not shifted).
/// </summary>
public sealed class LinearWarmup : ILearningRateSchedule
{
    private readonly ILearningRateSchedule inner;

    public LinearWarmup(ILearningRateSchedule inner, int warmupSteps, double startFactor)
    {
        Hyperparameter.Require(warmupSteps > 0, "schedule.warmup_steps", "a positive number of steps", warmupSteps);
        Hyperparameter.Require(startFactor is >= 0 and <= 1, "schedule.warmup_start_factor", "a number in [0, 1]", startFactor);
        (this.inner, WarmupSteps, StartFactor) = (inner, warmupSteps, startFactor);
    }

    public int WarmupSteps { get; }
    public double StartFactor { get; }

    public double At(long step)
    {
        double lr = inner.At(step);
        return step < WarmupSteps ? lr * (StartFactor + (1 - StartFactor) * step / WarmupSteps) : lr;
    }
}
