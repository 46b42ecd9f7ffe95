using NUnit.Framework;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

/// <summary>Learning rates after each reported metric, as torch ReduceLROnPlateau gives them for the same settings.</summary>
[TestFixture]
public sealed class ReduceLrOnPlateauTests
{
    private static ReduceLrOnPlateau Plateau(double lr, string mode = "min", double factor = 0.1, int patience = 10,
        double threshold = 1e-4, string thresholdMode = "rel", int cooldown = 0, double minLr = 0) =>
        new(new ConstantSchedule(lr), lr, mode, factor, patience, threshold, thresholdMode, cooldown, minLr);

    private static void Expect(ReduceLrOnPlateau plateau, double[] metrics, double[] lrAfterEach)
    {
        for (int i = 0; i < metrics.Length; i++)
        {
            plateau.Report(metrics[i]);
            ScheduleAssert.Close(plateau.At(123), lrAfterEach[i], $"after report {i + 1} ({metrics[i]})");
        }
    }

    [Test]
    public void Reduces_after_more_than_patience_epochs_without_improvement() =>
        Expect(Plateau(1.0, patience: 2, factor: 0.5),
            [10, 9, 9.5, 9.2, 9.1, 8, 8.5, 8.6, 8.7, 8.8, 8.9],
            [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);

    [Test]
    public void Ignores_bad_epochs_during_cooldown_and_stops_at_min_lr() =>
        Expect(Plateau(1.0, patience: 1, factor: 0.1, cooldown: 2, minLr: 0.002),
            [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
            [1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002]);

    [Test]
    public void In_max_mode_with_an_absolute_threshold_small_gains_do_not_count() =>
        Expect(Plateau(0.1, mode: "max", patience: 0, factor: 0.5, threshold: 0.01, thresholdMode: "abs"),
            [0.5, 0.505, 0.52, 0.525, 0.6, 0.59],
            [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]);

    [Test]
    public void In_min_mode_with_a_relative_threshold_the_gain_must_exceed_the_fraction() =>
        Expect(Plateau(0.1, patience: 0, factor: 0.5, threshold: 0.1),
            [1.0, 0.95, 0.89, 0.85, 0.5],
            [0.1, 0.05, 0.05, 0.025, 0.025]);

    [Test]
    public void Current_factor_scales_the_inner_schedule()
    {
        var plateau = new ReduceLrOnPlateau(new LinearWarmup(new ConstantSchedule(0.2), 4, 0.5), 0.2, patience: 0, factor: 0.5);
        plateau.Report(1.0);
        plateau.Report(2.0);
        Assert.That(plateau.CurrentFactor, Is.EqualTo(0.5).Within(1e-15));
        ScheduleAssert.Close(plateau.At(0), 0.2 * 0.5 * 0.5, "step 0, inside warm-up");
        ScheduleAssert.Close(plateau.At(10), 0.1, "step 10, after warm-up");
    }

    [Test]
    public void Restored_state_continues_exactly_where_it_left_off()
    {
        double[] metrics = [3, 2, 2.5, 2.6, 2.7, 1.0, 1.5, 1.6, 1.7, 1.8];
        var whole = Plateau(1.0, patience: 1, factor: 0.5, cooldown: 1);
        var first = Plateau(1.0, patience: 1, factor: 0.5, cooldown: 1);
        foreach (var m in metrics[..4]) { whole.Report(m); first.Report(m); }
        var resumed = Plateau(1.0, patience: 1, factor: 0.5, cooldown: 1);
        resumed.State = first.State;
        foreach (var m in metrics[4..])
        {
            whole.Report(m);
            resumed.Report(m);
            Assert.That(resumed.State, Is.EqualTo(whole.State), $"after metric {m}");
        }
        Assert.That(whole.CurrentFactor, Is.LessThan(1), "the sequence must include reductions to prove anything");
    }
}
