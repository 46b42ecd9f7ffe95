using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class StepDecayScheduleTests
{
    [Test]
    public void Multiplies_by_gamma_every_step_size_epochs_like_StepLR()
    {
        // torch StepLR(lr=0.1, step_size=2, gamma=0.5) stepped once per epoch.
        double[] torch = [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125];
        ScheduleAssert.PerEpoch(new StepDecaySchedule(0.1, stepSize: 2, gamma: 0.5, stepsPerEpoch: 3), 3, torch);
    }

    [Test]
    public void Resuming_needs_only_the_step() =>
        ScheduleAssert.Close(new StepDecaySchedule(0.1, 2, 0.5, 100).At(1_000_000), 0.1 * Math.Pow(0.5, 5000), "step 1e6");

    [Test]
    public void Rejects_a_negative_step() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(0.1, 2, 0.5, 3).At(-1));
}
