using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>
/// PyTorch's CosineAnnealingWarmRestarts (SGDR): cycles of T_0, T_0·T_mult, T_0·T_mult², … epochs; within a
/// cycle of length T_i at position T_cur, lr = min_lr + (base_lr − min_lr)(1 + cos(π·T_cur / T_i)) / 2, and
/// each cycle restarts at base_lr. Epoch = ⌊step / stepsPerEpoch⌋ (schedule.name: cosine_restarts).
/// </summary>
public sealed class CosineWarmRestartsSchedule : ILearningRateSchedule
{
    private readonly double baseLr;
    private readonly int stepsPerEpoch;

    public CosineWarmRestartsSchedule(double baseLr, int t0, int tMult, double minLr, int stepsPerEpoch)
    {
        Hyperparameter.Require(t0 > 0, "schedule.t_0", "a positive number of epochs in the first cycle", t0);
        Hyperparameter.Require(tMult >= 1, "schedule.t_mult", "an integer ≥ 1", tMult);
        Hyperparameter.Require(minLr >= 0 && double.IsFinite(minLr), "schedule.min_lr", "a number ≥ 0", minLr);
        StepClock.RequirePeriod(stepsPerEpoch);
        (this.baseLr, T0, TMult, MinLr, this.stepsPerEpoch) = (baseLr, t0, tMult, minLr, stepsPerEpoch);
    }

    public int T0 { get; }
    public int TMult { get; }
    public double MinLr { get; }

    public double At(long step)
    {
        var (position, length) = Cycle(StepClock.Period(step, stepsPerEpoch));
        return MinLr + (baseLr - MinLr) * (1 + Math.Cos(Math.PI * position / length)) / 2;
    }

    /// <summary>(T_cur, T_i) for an epoch, by whole cycles in integers (no logarithm rounding at restarts).</summary>
    private (long Position, long Length) Cycle(long epoch)
    {
        if (TMult == 1) return (epoch % T0, T0);
        long length = T0;
        while (epoch >= length)
        {
            epoch -= length;
            length *= TMult;
        }
        return (epoch, length);
    }
}
