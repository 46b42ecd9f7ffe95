using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Schedules;

/// <summary>
/// PyTorch's StepLR: lr = base_lr · γ^⌊epoch / step_size⌋, with epoch = ⌊step / stepsPerEpoch⌋
/// (schedule.name: step).
/// </summary>
public sealed class StepDecaySchedule : ILearningRateSchedule
{
    private readonly double baseLr;
    private readonly int stepsPerEpoch;

    public StepDecaySchedule(double baseLr, int stepSize, double gamma, int stepsPerEpoch)
    {
        Hyperparameter.Require(stepSize > 0, "schedule.step_size", "a positive number of epochs", stepSize);
        Hyperparameter.Require(gamma > 0 && double.IsFinite(gamma), "schedule.gamma", "a positive number", gamma);
        StepClock.RequirePeriod(stepsPerEpoch);
        (this.baseLr, StepSize, Gamma, this.stepsPerEpoch) = (baseLr, stepSize, gamma, stepsPerEpoch);
    }

    public int StepSize { get; }
    public double Gamma { get; }

    public double At(long step) => baseLr * Math.Pow(Gamma, StepClock.Period(step, stepsPerEpoch) / StepSize);
}
