using Toolchain.Recipes;

namespace Toolchain.Train.Schedules;

/// <summary>
/// Selects a learning-rate schedule by schedule.name and builds it from the recipe for a run of
/// <c>epochs</c> × <c>stepsPerEpoch</c> optimizer steps, with linear warm-up in front when
/// schedule.warmup_steps &gt; 0. "plateau" also implements <see cref="IPlateauSchedule"/>: the trainer
/// reports the validation metric to it once per epoch. A bad value becomes a <see cref="RecipeException"/>
/// naming its key.
/// </summary>
public static class ScheduleFactory
{
    private sealed record Run(ScheduleSection S, double BaseLr, int StepsPerEpoch, int Epochs)
    {
        public bool PerStep => S.Interval == "step";
        /// <summary>Steps per unit that step_size, milestones, t_max and t_0 count in.</summary>
        public int StepsPerPeriod => PerStep ? 1 : StepsPerEpoch;
        public long Periods => PerStep ? TotalSteps : Epochs;
        public long TotalSteps => (long)Epochs * StepsPerEpoch;
    }

    private delegate ILearningRateSchedule Make(Run run, Func<ILearningRateSchedule, ILearningRateSchedule> warmUp);

    private static readonly Dictionary<string, Make> Registry = new()
    {
        ["constant"] = (r, warm) => warm(new ConstantSchedule(r.BaseLr)),
        ["step"] = (r, warm) => warm(new StepDecaySchedule(r.BaseLr, r.S.StepSize, r.S.Gamma, r.StepsPerPeriod)),
        ["multistep"] = (r, warm) => warm(new MultiStepSchedule(r.BaseLr, r.S.Milestones, r.S.Gamma, r.StepsPerPeriod)),
        ["exponential"] = (r, warm) => warm(new ExponentialSchedule(r.BaseLr, r.S.Gamma, r.StepsPerPeriod)),
        ["cosine"] = (r, warm) => warm(new CosineAnnealingSchedule(r.BaseLr, r.S.TMax == 0 ? r.Periods : r.S.TMax, r.S.MinLr, r.StepsPerPeriod)),
        ["cosine_restarts"] = (r, warm) => warm(new CosineWarmRestartsSchedule(r.BaseLr, r.S.T0, r.S.TMult, r.S.MinLr, r.StepsPerPeriod)),
        ["onecycle"] = (r, warm) => warm(new OneCycleSchedule(r.S.MaxLr == 0 ? r.BaseLr : r.S.MaxLr, r.TotalSteps,
            r.S.PctStart, r.S.DivFactor, r.S.FinalDivFactor)),
        // Outermost, so the trainer finds IPlateauSchedule; warm-up ramps the rate underneath the reductions.
        ["plateau"] = (r, warm) => new ReduceLrOnPlateau(warm(new ConstantSchedule(r.BaseLr)), r.BaseLr,
            r.S.Mode, r.S.Factor, r.S.Patience, r.S.Threshold, r.S.ThresholdMode, r.S.Cooldown, r.S.MinLr),
    };

    public static IReadOnlyCollection<string> Names => Registry.Keys;

    public static ILearningRateSchedule Create(ScheduleSection s, double baseLr, int stepsPerEpoch, int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepsPerEpoch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        if (!Registry.TryGetValue(s.Name, out var make))
            throw new RecipeException($"schedule.name: expected one of {string.Join(", ", Registry.Keys)}, got '{s.Name}'");
        if (s.Interval is not ("epoch" or "step"))
            throw new RecipeException($"schedule.interval: expected one of epoch, step, got '{s.Interval}'");
        if (s.WarmupSteps < 0)
            throw new RecipeException($"schedule.warmup_steps: expected a number of steps ≥ 0, got {s.WarmupSteps}");
        try
        {
            Optimizers.Hyperparameter.Require(baseLr > 0 && double.IsFinite(baseLr), "optimizer.lr", "a positive number", baseLr);
            return make(new Run(s, baseLr, stepsPerEpoch, epochs),
                inner => s.WarmupSteps > 0 ? new LinearWarmup(inner, s.WarmupSteps, s.WarmupStartFactor) : inner);
        }
        catch (ArgumentException e) { throw new RecipeException(e.Message, e); }
    }
}
