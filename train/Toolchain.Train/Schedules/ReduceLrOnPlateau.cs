using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>
/// PyTorch's ReduceLROnPlateau over an inner schedule (a constant rate, possibly warmed up): once per epoch
/// the trainer reports a validation metric; after more than <c>patience</c> reports without improvement
/// (improvement: better than best·(1 ∓ threshold) in rel mode, best ∓ threshold in abs mode) the rate is
/// multiplied by <c>factor</c>, never below <c>min_lr</c>, then <c>cooldown</c> reports are ignored.
/// A reduction smaller than 1e-8 is skipped, as in PyTorch (schedule.name: plateau).
/// </summary>
public sealed class ReduceLrOnPlateau : ILearningRateSchedule, IPlateauSchedule
{
    private const double MinimalDecay = 1e-8;
    private readonly ILearningRateSchedule inner;
    private readonly double baseLr;
    private PlateauState state = PlateauState.Initial;

    public ReduceLrOnPlateau(ILearningRateSchedule inner, double baseLr, string mode = "min", double factor = 0.1, int patience = 10,
        double threshold = 1e-4, string thresholdMode = "rel", int cooldown = 0, double minLr = 0)
    {
        Hyperparameter.Require(baseLr > 0 && double.IsFinite(baseLr), "optimizer.lr", "a positive number", baseLr);
        Hyperparameter.Require(mode is "min" or "max", "schedule.mode", "one of min, max", mode);
        Hyperparameter.Require(factor is > 0 and < 1, "schedule.factor", "a number in (0, 1)", factor);
        Hyperparameter.Require(patience >= 0, "schedule.patience", "a number of epochs ≥ 0", patience);
        Hyperparameter.Require(threshold >= 0 && double.IsFinite(threshold), "schedule.threshold", "a number ≥ 0", threshold);
        Hyperparameter.Require(thresholdMode is "rel" or "abs", "schedule.threshold_mode", "one of rel, abs", thresholdMode);
        Hyperparameter.Require(cooldown >= 0, "schedule.cooldown", "a number of epochs ≥ 0", cooldown);
        Hyperparameter.Require(minLr >= 0 && double.IsFinite(minLr), "schedule.min_lr", "a number ≥ 0", minLr);
        (this.inner, this.baseLr, Mode, Factor, Patience, Threshold, ThresholdMode, Cooldown, MinLr) =
            (inner, baseLr, mode, factor, patience, threshold, thresholdMode, cooldown, minLr);
    }

    public string Mode { get; }
    public double Factor { get; }
    public int Patience { get; }
    public double Threshold { get; }
    public string ThresholdMode { get; }
    public int Cooldown { get; }
    public double MinLr { get; }

    public double CurrentFactor => state.Factor;

    public PlateauState State
    {
        get => state;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!(value.Factor > 0) || value.BadEpochs < 0 || value.CooldownLeft < 0)
                throw new ArgumentException($"plateau state: expected factor > 0 and counts ≥ 0, got {value}", nameof(value));
            state = value;
        }
    }

    public double At(long step) => inner.At(step) * state.Factor;

    public void Report(double metric)
    {
        var (factor, best, bad, cooldownLeft) = state;
        if (IsBetter(metric, best)) (best, bad) = (metric, 0);
        else bad++;
        if (cooldownLeft > 0) (cooldownLeft, bad) = (cooldownLeft - 1, 0);
        if (bad > Patience)
        {
            double oldLr = baseLr * factor, newLr = Math.Max(oldLr * Factor, MinLr);
            if (oldLr - newLr > MinimalDecay) factor = newLr / baseLr;
            (cooldownLeft, bad) = (Cooldown, 0);
        }
        state = new PlateauState(factor, best, bad, cooldownLeft);
    }

    /// <summary>PyTorch's _is_better; with no best yet every metric but NaN improves (best starts at ±∞).</summary>
    private bool IsBetter(double metric, double? best)
    {
        double b = best ?? (Mode == "min" ? double.PositiveInfinity : double.NegativeInfinity);
        return (Mode, ThresholdMode) switch
        {
            ("min", "rel") => metric < b * (1 - Threshold),
            ("min", _) => metric < b - Threshold,
            (_, "rel") => metric > b * (1 + Threshold),
            _ => metric > b + Threshold,
        };
    }
}
