using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>
/// PyTorch's OneCycleLR (two phases, cosine annealing), per step over total_steps = epochs × steps_per_epoch:
/// from max_lr / div_factor up to max_lr over the first pct_start of the steps, then down to
/// max_lr / div_factor / final_div_factor at the last step. Phase 1 ends at step pct_start·total − 1,
/// exactly as PyTorch computes it. Steps past the end stay at the final rate (PyTorch raises there).
/// Momentum is not cycled: the optimizer's momentum/betas are constants in the training graph.
/// </summary>
public sealed class OneCycleSchedule : ILearningRateSchedule
{
    private readonly double phaseOneEnd;

    public OneCycleSchedule(double maxLr, long totalSteps, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
    {
        Hyperparameter.Require(maxLr > 0 && double.IsFinite(maxLr), "schedule.max_lr", "a positive number (0: optimizer.lr)", maxLr);
        Hyperparameter.Require(totalSteps > 1, "training.epochs", "enough epochs for at least 2 steps in the cycle", $"{totalSteps} step(s)");
        Hyperparameter.Require(pctStart is > 0 and < 1, "schedule.pct_start", "a number in (0, 1)", pctStart);
        Hyperparameter.Require(divFactor > 0 && double.IsFinite(divFactor), "schedule.div_factor", "a positive number", divFactor);
        Hyperparameter.Require(finalDivFactor > 0 && double.IsFinite(finalDivFactor), "schedule.final_div_factor", "a positive number", finalDivFactor);
        (MaxLr, TotalSteps, PctStart) = (maxLr, totalSteps, pctStart);
        InitialLr = maxLr / divFactor;
        FinalLr = InitialLr / finalDivFactor;
        phaseOneEnd = pctStart * totalSteps - 1;
    }

    public double MaxLr { get; }
    public long TotalSteps { get; }
    public double PctStart { get; }
    public double InitialLr { get; }
    public double FinalLr { get; }

    public double At(long step)
    {
        double t = Math.Min(StepClock.RequireStep(step), TotalSteps - 1);
        return t <= phaseOneEnd
            ? Anneal(InitialLr, MaxLr, Fraction(t, 0, phaseOneEnd))
            : Anneal(MaxLr, FinalLr, Fraction(t, phaseOneEnd, TotalSteps - 1));
    }

    /// <summary>Where t lies in [start, end]; a phase shorter than one step counts as finished.</summary>
    private static double Fraction(double t, double start, double end) => end > start ? (t - start) / (end - start) : 1;

    private static double Anneal(double from, double to, double fraction) => to + (from - to) / 2 * (Math.Cos(Math.PI * fraction) + 1);
}
