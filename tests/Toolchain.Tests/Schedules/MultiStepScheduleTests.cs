using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class MultiStepScheduleTests
{
    [Test]
    public void Multiplies_by_gamma_at_each_milestone_like_MultiStepLR()
    {
        // torch MultiStepLR(lr=0.1, milestones=[2, 5, 5], gamma=0.1): a repeated milestone applies γ twice.
        double[] torch = [0.1, 0.1, 0.01, 0.01, 0.01, 1e-4, 1e-4, 1e-4];
        ScheduleAssert.PerEpoch(new MultiStepSchedule(0.1, [5, 2, 5], gamma: 0.1, stepsPerEpoch: 4), 4, torch);
    }
}
