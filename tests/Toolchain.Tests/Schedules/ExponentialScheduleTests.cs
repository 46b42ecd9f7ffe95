using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class ExponentialScheduleTests
{
    [Test]
    public void Multiplies_by_gamma_every_epoch_like_ExponentialLR()
    {
        // torch ExponentialLR(lr=0.1, gamma=0.9) stepped once per epoch.
        double[] torch = [0.1, 0.09, 0.081, 0.0729, 0.06561, 0.059049];
        ScheduleAssert.PerEpoch(new ExponentialSchedule(0.1, gamma: 0.9, stepsPerEpoch: 5), 5, torch);
    }
}
