using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

/// <summary>Compares a schedule's rates with sequences written out in the tests (PyTorch's values).</summary>
internal static class ScheduleAssert
{
    private const double Tolerance = 1e-12;

    /// <summary>Every step of epoch e must have rate expected[e].</summary>
    public static void PerEpoch(ILearningRateSchedule schedule, int stepsPerEpoch, IReadOnlyList<double> expected)
    {
        for (int epoch = 0; epoch < expected.Count; epoch++)
            for (int k = 0; k < stepsPerEpoch; k++)
            {
                long step = (long)epoch * stepsPerEpoch + k;
                Close(schedule.At(step), expected[epoch], $"step {step} (epoch {epoch})");
            }
    }

    /// <summary>Step s must have rate expected[s].</summary>
    public static void PerStep(ILearningRateSchedule schedule, IReadOnlyList<double> expected)
    {
        for (int step = 0; step < expected.Count; step++) Close(schedule.At(step), expected[step], $"step {step}");
    }

    public static void Close(double actual, double expected, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(Tolerance * Math.Max(1, Math.Abs(expected))), what);
}
