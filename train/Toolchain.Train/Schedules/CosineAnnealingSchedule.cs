using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>
/// PyTorch's CosineAnnealingLR in closed form: lr = min_lr + (base_lr − min_lr)(1 + cos(π·epoch / T_max)) / 2,
/// with epoch = ⌊step / stepsPerEpoch⌋; past T_max it follows the same cosine back up, as PyTorch's does
/// (schedule.name: cosine).
/// </summary>
public sealed class CosineAnnealingSchedule : ILearningRateSchedule
{
    private readonly double baseLr;
    private readonly int stepsPerEpoch;

    public CosineAnnealingSchedule(double baseLr, long tMax, double minLr, int stepsPerEpoch)
    {
        Hyperparameter.Require(tMax > 0, "schedule.t_max", "a positive number of epochs (0: the whole run)", tMax);
        Hyperparameter.Require(minLr >= 0 && double.IsFinite(minLr), "schedule.min_lr", "a number ≥ 0", minLr);
        StepClock.RequirePeriod(stepsPerEpoch);
        (this.baseLr, TMax, MinLr, this.stepsPerEpoch) = (baseLr, tMax, minLr, stepsPerEpoch);
    }

    public long TMax { get; }
    public double MinLr { get; }

    public double At(long step)
    {
        long epoch = StepClock.Period(step, stepsPerEpoch);
        return MinLr + (baseLr - MinLr) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2;
    }
}
