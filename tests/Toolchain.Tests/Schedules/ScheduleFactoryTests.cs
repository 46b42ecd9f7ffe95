using NUnit.Framework;
using Toolchain.Recipes;
using Toolchain.Train.Schedules;

namespace Toolchain.Tests.Schedules;

[TestFixture]
public sealed class ScheduleFactoryTests
{
    private static ILearningRateSchedule Create(ScheduleSection s, double lr = 0.1, int stepsPerEpoch = 4, int epochs = 10) =>
        ScheduleFactory.Create(s, lr, stepsPerEpoch, epochs);

    [Test]
    public void Every_documented_name_is_registered() =>
        Assert.That(ScheduleFactory.Names, Is.EquivalentTo(new[]
            { "constant", "step", "multistep", "exponential", "cosine", "cosine_restarts", "onecycle", "plateau" }));

    [TestCase("constant", typeof(ConstantSchedule))]
    [TestCase("step", typeof(StepDecaySchedule))]
    [TestCase("multistep", typeof(MultiStepSchedule))]
    [TestCase("exponential", typeof(ExponentialSchedule))]
    [TestCase("cosine", typeof(CosineAnnealingSchedule))]
    [TestCase("cosine_restarts", typeof(CosineWarmRestartsSchedule))]
    [TestCase("onecycle", typeof(OneCycleSchedule))]
    [TestCase("plateau", typeof(ReduceLrOnPlateau))]
    public void Selects_the_schedule_by_name(string name, Type type) =>
        Assert.That(Create(new ScheduleSection { Name = name, Milestones = [3], T0 = 2 }), Is.TypeOf(type));

    [Test]
    public void Unknown_name_is_rejected_listing_the_valid_names()
    {
        var error = Assert.Throws<RecipeException>(() => Create(new ScheduleSection { Name = "polynomial" }));
        Assert.That(error!.Message, Is.EqualTo(
            "schedule.name: expected one of constant, step, multistep, exponential, cosine, cosine_restarts, onecycle, plateau, got 'polynomial'"));
    }

    [Test]
    public void Warmup_steps_put_a_linear_warmup_in_front()
    {
        var s = Create(new ScheduleSection { Name = "step", StepSize = 1, Gamma = 0.5, WarmupSteps = 2, WarmupStartFactor = 0.5 }, stepsPerEpoch: 4);
        Assert.That(s, Is.TypeOf<LinearWarmup>());
        ScheduleAssert.PerStep(s, [0.05, 0.075, 0.1, 0.1, 0.05]);
    }

    [Test]
    public void Plateau_with_warmup_stays_reachable_as_a_plateau_schedule()
    {
        var s = Create(new ScheduleSection { Name = "plateau", WarmupSteps = 4, WarmupStartFactor = 0.25, Patience = 0, Factor = 0.5 });
        var plateau = s as IPlateauSchedule;
        Assert.That(plateau, Is.Not.Null);
        ScheduleAssert.Close(s.At(0), 0.025, "step 0 warmed up");
        plateau!.Report(1);
        plateau.Report(1);
        ScheduleAssert.Close(s.At(100), 0.05, "after one reduction");
    }

    [Test]
    public void Cosine_T_max_defaults_to_the_run_in_epochs()
    {
        var s = Create(new ScheduleSection { Name = "cosine", MinLr = 0.001 }, stepsPerEpoch: 4, epochs: 10);
        ScheduleAssert.Close(s.At(5 * 4), 0.001 + (0.1 - 0.001) / 2, "epoch 5 of 10");
        ScheduleAssert.Close(s.At(5 * 4 + 3), 0.001 + (0.1 - 0.001) / 2, "last step of epoch 5");
        ScheduleAssert.Close(s.At(10 * 4), 0.001, "end of the run");
    }

    [Test]
    public void Step_interval_counts_in_optimizer_steps()
    {
        var step = Create(new ScheduleSection { Name = "step", Interval = "step", StepSize = 3, Gamma = 0.5 }, stepsPerEpoch: 100);
        ScheduleAssert.PerStep(step, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
        var cosine = Create(new ScheduleSection { Name = "cosine", Interval = "step" }, stepsPerEpoch: 5, epochs: 2);
        ScheduleAssert.Close(cosine.At(5), 0.05, "half of T_max = 10 steps");
    }

    [Test]
    public void Onecycle_runs_over_epochs_times_steps_per_epoch_and_peaks_at_the_optimizer_lr_by_default()
    {
        var s = Create(new ScheduleSection { Name = "onecycle" }, lr: 1.0, stepsPerEpoch: 5, epochs: 2);
        // Same as torch OneCycleLR(max_lr=1.0, total_steps=10).
        ScheduleAssert.PerStep(s, [0.04, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893,
            0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 4e-06]);
        ScheduleAssert.Close(Create(new ScheduleSection { Name = "onecycle", MaxLr = 2.0 }, lr: 1.0).At(0), 2.0 / 25, "max_lr given");
    }

    private static IEnumerable<TestCaseData> BadValues()
    {
        TestCaseData Case(string key, ScheduleSection s) => new TestCaseData(s, key).SetArgDisplayNames(key, s.Name);
        yield return Case("schedule.interval", new() { Interval = "batch" });
        yield return Case("schedule.warmup_steps", new() { WarmupSteps = -1 });
        yield return Case("schedule.warmup_start_factor", new() { WarmupSteps = 10, WarmupStartFactor = 1.5 });
        yield return Case("schedule.step_size", new() { Name = "step", StepSize = 0 });
        yield return Case("schedule.gamma", new() { Name = "exponential", Gamma = -0.5 });
        yield return Case("schedule.milestones", new() { Name = "multistep" });
        yield return Case("schedule.milestones", new() { Name = "multistep", Milestones = [10, -2] });
        yield return Case("schedule.t_max", new() { Name = "cosine", TMax = -3 });
        yield return Case("schedule.min_lr", new() { Name = "cosine", MinLr = -1e-3 });
        yield return Case("schedule.t_0", new() { Name = "cosine_restarts" });
        yield return Case("schedule.t_mult", new() { Name = "cosine_restarts", T0 = 5, TMult = 0 });
        yield return Case("schedule.max_lr", new() { Name = "onecycle", MaxLr = -1 });
        yield return Case("schedule.pct_start", new() { Name = "onecycle", PctStart = 1.5 });
        yield return Case("schedule.div_factor", new() { Name = "onecycle", DivFactor = 0 });
        yield return Case("schedule.final_div_factor", new() { Name = "onecycle", FinalDivFactor = -1 });
        yield return Case("schedule.mode", new() { Name = "plateau", Mode = "median" });
        yield return Case("schedule.factor", new() { Name = "plateau", Factor = 1.0 });
        yield return Case("schedule.patience", new() { Name = "plateau", Patience = -1 });
        yield return Case("schedule.threshold", new() { Name = "plateau", Threshold = -0.1 });
        yield return Case("schedule.threshold_mode", new() { Name = "plateau", ThresholdMode = "percent" });
        yield return Case("schedule.cooldown", new() { Name = "plateau", Cooldown = -2 });
    }

    [TestCaseSource(nameof(BadValues))]
    public void Bad_value_is_rejected_naming_its_key(ScheduleSection s, string key)
    {
        var error = Assert.Throws<RecipeException>(() => Create(s));
        Assert.That(error!.Message, Does.StartWith($"{key}: expected ").And.Contain(", got "));
    }
}
