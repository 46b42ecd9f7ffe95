using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class CosineWarmRestartsScheduleTests
{
    [Test]
    public void Restarts_with_cycles_growing_by_T_mult_like_CosineAnnealingWarmRestarts()
    {
        // torch CosineAnnealingWarmRestarts(lr=0.1, T_0=2, T_mult=2, eta_min=0.001) stepped per epoch:
        // cycles of 2, 4 and 8 epochs restart at epochs 2, 6 and 14.
        double[] torch =
        [
            0.1, 0.0505, 0.1, 0.0855017856687341, 0.0505, 0.0154982143312659, 0.1, 0.0962320368593087,
            0.0855017856687341, 0.06944282990207196, 0.0505, 0.03155717009792806, 0.0154982143312659,
            0.004767963140691307, 0.1, 0.09904887137995991,
        ];
        ScheduleAssert.PerEpoch(new CosineWarmRestartsSchedule(0.1, t0: 2, tMult: 2, minLr: 0.001, stepsPerEpoch: 2), 2, torch);
    }

    [Test]
    public void Repeats_the_same_cycle_when_T_mult_is_1()
    {
        // torch CosineAnnealingWarmRestarts(lr=0.1, T_0=3) stepped per epoch.
        double[] torch = [0.1, 0.075, 0.025, 0.1, 0.075, 0.025, 0.1, 0.075];
        ScheduleAssert.PerEpoch(new CosineWarmRestartsSchedule(0.1, t0: 3, tMult: 1, minLr: 0, stepsPerEpoch: 1), 1, torch);
    }
}
