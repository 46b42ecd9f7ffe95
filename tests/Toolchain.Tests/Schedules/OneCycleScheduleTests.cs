using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class OneCycleScheduleTests
{
    [Test]
    public void Follows_OneCycleLR_per_step_with_the_defaults()
    {
        // torch OneCycleLR(max_lr=1.0, total_steps=10) (pct_start 0.3, div_factor 25, final_div_factor 1e4, cos).
        double[] torch =
        [
            0.04, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893,
            0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 4e-06,
        ];
        ScheduleAssert.PerStep(new OneCycleSchedule(1.0, totalSteps: 10), torch);
    }

    [Test]
    public void Follows_OneCycleLR_per_step_with_other_settings()
    {
        // torch OneCycleLR(max_lr=0.5, total_steps=12, pct_start=0.25, div_factor=10, final_div_factor=100).
        double[] torch =
        [
            0.05, 0.275, 0.5, 0.4849382320412806, 0.44156959966896475, 0.375125, 0.2936186323723159,
            0.20688136762768417, 0.12537500000000004, 0.05893040033103527, 0.015561767958719398, 0.0005,
        ];
        ScheduleAssert.PerStep(new OneCycleSchedule(0.5, 12, pctStart: 0.25, divFactor: 10, finalDivFactor: 100), torch);
    }

    [Test]
    public void Stays_at_the_final_rate_past_the_last_step()
    {
        var schedule = new OneCycleSchedule(1.0, totalSteps: 10);
        ScheduleAssert.Close(schedule.At(10), 4e-6, "step 10");
        ScheduleAssert.Close(schedule.At(1000), 4e-6, "step 1000");
    }
}
