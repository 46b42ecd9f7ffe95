using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>PyTorch's ExponentialLR: lr = base_lr · γ^epoch, with epoch = ⌊step / stepsPerEpoch⌋ (schedule.name: exponential).</summary>
public sealed class ExponentialSchedule : ILearningRateSchedule
{
    private readonly double baseLr;
    private readonly int stepsPerEpoch;

    public ExponentialSchedule(double baseLr, double gamma, int stepsPerEpoch)
    {
        Hyperparameter.Require(gamma > 0 && double.IsFinite(gamma), "schedule.gamma", "a positive number", gamma);
        StepClock.RequirePeriod(stepsPerEpoch);
        (this.baseLr, Gamma, this.stepsPerEpoch) = (baseLr, gamma, stepsPerEpoch);
    }

    public double Gamma { get; }

    public double At(long step) => baseLr * Math.Pow(Gamma, StepClock.Period(step, stepsPerEpoch));
}
