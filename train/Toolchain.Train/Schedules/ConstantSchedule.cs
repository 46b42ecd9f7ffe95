namespace Toolchain.Train.Schedules;

/// <summary>The same learning rate at every step (schedule.name: constant).</summary>
public sealed class ConstantSchedule(double lr) : ILearningRateSchedule
{
    public double Lr { get; } = lr;

    public double At(long step)
    {
        StepClock.RequireStep(step);
        return Lr;
    }
}
