using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>
/// PyTorch's MultiStepLR: lr = base_lr · γ^(number of milestones ≤ epoch), with epoch = ⌊step / stepsPerEpoch⌋;
/// a milestone listed twice counts twice, as in PyTorch (schedule.name: multistep).
/// </summary>
public sealed class MultiStepSchedule : ILearningRateSchedule
{
    private readonly double baseLr;
    private readonly int stepsPerEpoch;
    private readonly int[] milestones;

    public MultiStepSchedule(double baseLr, IReadOnlyList<int> milestones, double gamma, int stepsPerEpoch)
    {
        Hyperparameter.Require(milestones.Count > 0, "schedule.milestones", "at least one epoch, e.g. [30, 60]", "[]");
        Hyperparameter.Require(milestones.All(m => m > 0), "schedule.milestones", "positive epochs", $"[{string.Join(", ", milestones)}]");
        Hyperparameter.Require(gamma > 0 && double.IsFinite(gamma), "schedule.gamma", "a positive number", gamma);
        StepClock.RequirePeriod(stepsPerEpoch);
        (this.baseLr, Gamma, this.stepsPerEpoch) = (baseLr, gamma, stepsPerEpoch);
        this.milestones = [.. milestones.Order()];
    }

    public IReadOnlyList<int> Milestones => milestones;
    public double Gamma { get; }

    public double At(long step)
    {
        long epoch = StepClock.Period(step, stepsPerEpoch);
        return baseLr * Math.Pow(Gamma, milestones.Count(m => m <= epoch));
    }
}
