using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class LinearWarmupTests
{
    [Test]
    public void Ramps_linearly_from_the_start_factor_like_LinearLR()
    {
        // torch LinearLR(lr=0.1, start_factor=0.25, total_iters=4) stepped per step: factors 0.25, 0.4375, 0.625, 0.8125, 1.
        double[] torch = [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1, 0.1];
        ScheduleAssert.PerStep(new LinearWarmup(new ConstantSchedule(0.1), warmupSteps: 4, startFactor: 0.25), torch);
    }

    [Test]
    public void Scales_the_inner_schedule_without_shifting_its_clock()
    {
        // Step decay halving every epoch of 2 steps, warmed up from 0 over 3 steps: 0.1·0, 0.1·⅓, 0.05·⅔, then 0.05, 0.025, …
        var inner = new StepDecaySchedule(0.1, stepSize: 1, gamma: 0.5, stepsPerEpoch: 2);
        double[] expected = [0.0, 0.1 / 3, 0.05 * 2 / 3, 0.05, 0.025, 0.025, 0.0125];
        ScheduleAssert.PerStep(new LinearWarmup(inner, warmupSteps: 3, startFactor: 0), expected);
    }
}
