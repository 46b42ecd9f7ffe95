using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class CosineAnnealingScheduleTests
{
    [Test]
    public void Follows_CosineAnnealingLR_per_epoch_including_past_T_max()
    {
        // torch CosineAnnealingLR(lr=0.1, T_max=4, eta_min=0.01), its recursive form stepped per epoch for 10 epochs.
        double[] torch =
        [
            0.1, 0.08681980515339464, 0.05500000000000001, 0.023180194846605363, 0.01,
            0.023180194846605363, 0.05500000000000002, 0.08681980515339469, 0.10000000000000006, 0.0868198051533947,
        ];
        ScheduleAssert.PerEpoch(new CosineAnnealingSchedule(0.1, tMax: 4, minLr: 0.01, stepsPerEpoch: 3), 3, torch);
    }
}
