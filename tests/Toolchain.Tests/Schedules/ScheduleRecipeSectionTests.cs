using NUnit.Framework;
using Toolchain.Recipes;

namespace Toolchain.Tests.Schedules;

/// <summary>The schedule section of recipe.yaml: snake_case keys, and out-of-range values reported all at once on load.</summary>
[TestFixture]
public sealed class ScheduleRecipeSectionTests
{
    private const string Model = """
        model:
          input_shape: [4]
          layers: [{type: linear, units: 2}]

        """;

    [Test]
    public void Every_schedule_key_is_read_from_yaml()
    {
        const string yaml = Model + """
            schedule:
              name: cosine_restarts
              interval: step
              warmup_steps: 100
              warmup_start_factor: 0.1
              step_size: 3
              gamma: 0.5
              milestones: [30, 60]
              min_lr: 0.0001
              t_max: 50
              t_0: 7
              t_mult: 2
              max_lr: 0.4
              pct_start: 0.25
              div_factor: 10
              final_div_factor: 1000
              mode: max
              factor: 0.2
              patience: 3
              threshold: 0.01
              threshold_mode: abs
              cooldown: 2
            """;
        var s = RecipeLoader.Parse(yaml, "recipe.yaml").Schedule;
        Assert.Multiple(() =>
        {
            Assert.That(s.Name, Is.EqualTo("cosine_restarts"));
            Assert.That(s.Interval, Is.EqualTo("step"));
            Assert.That(s.WarmupSteps, Is.EqualTo(100));
            Assert.That(s.WarmupStartFactor, Is.EqualTo(0.1));
            Assert.That(s.StepSize, Is.EqualTo(3));
            Assert.That(s.Gamma, Is.EqualTo(0.5));
            Assert.That(s.Milestones, Is.EqualTo(new[] { 30, 60 }));
            Assert.That(s.MinLr, Is.EqualTo(0.0001));
            Assert.That(s.TMax, Is.EqualTo(50));
            Assert.That(s.T0, Is.EqualTo(7));
            Assert.That(s.TMult, Is.EqualTo(2));
            Assert.That(s.MaxLr, Is.EqualTo(0.4));
            Assert.That(s.PctStart, Is.EqualTo(0.25));
            Assert.That(s.DivFactor, Is.EqualTo(10));
            Assert.That(s.FinalDivFactor, Is.EqualTo(1000));
            Assert.That(s.Mode, Is.EqualTo("max"));
            Assert.That(s.Factor, Is.EqualTo(0.2));
            Assert.That(s.Patience, Is.EqualTo(3));
            Assert.That(s.Threshold, Is.EqualTo(0.01));
            Assert.That(s.ThresholdMode, Is.EqualTo("abs"));
            Assert.That(s.Cooldown, Is.EqualTo(2));
        });
    }

    [Test]
    public void Out_of_range_values_are_all_reported_when_the_recipe_loads()
    {
        const string yaml = Model + """
            schedule:
              name: cosine_restarts
              interval: batch
              warmup_start_factor: 2
              pct_start: 0
              factor: 1.5
              threshold_mode: percent
              t_mult: 0
            """;
        var error = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml, "recipe.yaml"));
        foreach (var key in new[] { "schedule.interval", "schedule.warmup_start_factor", "schedule.pct_start", "schedule.factor",
                     "schedule.threshold_mode", "schedule.t_mult", "schedule.t_0" })
            Assert.That(error!.Message, Does.Contain($"{key}: expected "), key);
    }

    [Test]
    public void The_defaults_pass_validation() =>
        Assert.That(RecipeLoader.Parse(Model, "recipe.yaml").Schedule.Name, Is.EqualTo("constant"));
}
