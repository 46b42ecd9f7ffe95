namespace Toolchain.Train.Schedules;

/// <summary>Maps a global 0-based step to the period (epoch, or step) a schedule counts in.</summary>
internal static class StepClock
{
    public static void RequirePeriod(int stepsPerPeriod)
    {
        if (stepsPerPeriod <= 0)
            throw new ArgumentOutOfRangeException(nameof(stepsPerPeriod), stepsPerPeriod, "steps per epoch must be positive");
    }

    /// <summary>The 0-based period a step falls in: ⌊step / stepsPerPeriod⌋.</summary>
    public static long Period(long step, int stepsPerPeriod) => RequireStep(step) / stepsPerPeriod;

    public static long RequireStep(long step) => step >= 0 ? step
        : throw new ArgumentOutOfRangeException(nameof(step), step, "the optimizer step is 0-based and cannot be negative");
}
