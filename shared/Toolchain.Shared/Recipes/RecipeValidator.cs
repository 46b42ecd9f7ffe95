namespace Toolchain.Recipes;

/// <summary>Collects every out-of-range value in a recipe at once, each with its key path.</summary>
public static class RecipeValidator
{
    public static IReadOnlyList<string> Problems(Recipe r)
    {
        var problems = new List<string>();
        void Check(bool ok, string key, string expected, object? actual)
        {
            if (!ok) problems.Add($"{key}: expected {expected}, got {actual ?? "nothing"}");
        }
        Check(r.Training.BatchSize >= 0, "training.batch_size", "a positive integer (or 0 for full-batch gradient descent)", r.Training.BatchSize);
        Check(r.Training.Epochs > 0, "training.epochs", "a positive integer", r.Training.Epochs);
        Check(r.Training.Device is "cpu" or "cuda", "training.device", "one of cpu, cuda", r.Training.Device);
        Check(r.Training.Threads >= 0, "training.threads", "0 (all cores) or a positive integer", r.Training.Threads);
        Check(r.Training.KeepCheckpoints > 0, "training.keep_checkpoints", "a positive integer", r.Training.KeepCheckpoints);
        Check(r.Optimizer.Lr > 0 && double.IsFinite(r.Optimizer.Lr), "optimizer.lr", "a positive number", r.Optimizer.Lr);
        Check(r.Optimizer.Eps > 0, "optimizer.eps", "a positive number", r.Optimizer.Eps);
        Check(r.Optimizer.WeightDecay >= 0, "optimizer.weight_decay", "a number ≥ 0", r.Optimizer.WeightDecay);
        Check(r.Optimizer.Momentum >= 0 && r.Optimizer.Momentum < 1, "optimizer.momentum", "a number in [0, 1)", r.Optimizer.Momentum);
        Check(r.Optimizer.Betas.Count == 2 && r.Optimizer.Betas.All(b => b >= 0 && b < 1), "optimizer.betas",
            "two numbers in [0, 1)", $"[{string.Join(", ", r.Optimizer.Betas)}]");
        Check(r.Optimizer.Dampening is >= 0 and <= 1, "optimizer.dampening", "a number in [0, 1]", r.Optimizer.Dampening);
        Check(r.Optimizer.Alpha is >= 0 and < 1, "optimizer.alpha", "a number in [0, 1)", r.Optimizer.Alpha);
        Check(r.Optimizer.LrDecay >= 0, "optimizer.lr_decay", "a number ≥ 0", r.Optimizer.LrDecay);
        Check(r.Optimizer.InitialAccumulatorValue >= 0, "optimizer.initial_accumulator_value", "a number ≥ 0", r.Optimizer.InitialAccumulatorValue);
        var sc = r.Schedule;
        Check(sc.Interval is "epoch" or "step", "schedule.interval", "one of epoch, step", sc.Interval);
        Check(sc.WarmupSteps >= 0, "schedule.warmup_steps", "a number of steps ≥ 0", sc.WarmupSteps);
        Check(sc.WarmupStartFactor is >= 0 and <= 1, "schedule.warmup_start_factor", "a number in [0, 1]", sc.WarmupStartFactor);
        Check(sc.StepSize > 0, "schedule.step_size", "a positive number of epochs", sc.StepSize);
        Check(sc.Gamma > 0 && double.IsFinite(sc.Gamma), "schedule.gamma", "a positive number", sc.Gamma);
        Check(sc.Milestones.All(m => m > 0) && (sc.Name != "multistep" || sc.Milestones.Count > 0), "schedule.milestones",
            "positive epochs, at least one for multistep", $"[{string.Join(", ", sc.Milestones)}]");
        Check(sc.MinLr >= 0, "schedule.min_lr", "a number ≥ 0", sc.MinLr);
        Check(sc.TMax >= 0, "schedule.t_max", "a positive number of epochs (0: the whole run)", sc.TMax);
        Check(sc.T0 > 0 || (sc.T0 == 0 && sc.Name != "cosine_restarts"), "schedule.t_0", "a positive number of epochs in the first cycle", sc.T0);
        Check(sc.TMult >= 1, "schedule.t_mult", "an integer ≥ 1", sc.TMult);
        Check(sc.MaxLr >= 0, "schedule.max_lr", "a positive number (0: optimizer.lr)", sc.MaxLr);
        Check(sc.PctStart is > 0 and < 1, "schedule.pct_start", "a number in (0, 1)", sc.PctStart);
        Check(sc.DivFactor > 0, "schedule.div_factor", "a positive number", sc.DivFactor);
        Check(sc.FinalDivFactor > 0, "schedule.final_div_factor", "a positive number", sc.FinalDivFactor);
        Check(sc.Mode is "min" or "max", "schedule.mode", "one of min, max", sc.Mode);
        Check(sc.Factor is > 0 and < 1, "schedule.factor", "a number in (0, 1)", sc.Factor);
        Check(sc.Patience >= 0, "schedule.patience", "a number of epochs ≥ 0", sc.Patience);
        Check(sc.Threshold >= 0, "schedule.threshold", "a number ≥ 0", sc.Threshold);
        Check(sc.ThresholdMode is "rel" or "abs", "schedule.threshold_mode", "one of rel, abs", sc.ThresholdMode);
        Check(sc.Cooldown >= 0, "schedule.cooldown", "a number of epochs ≥ 0", sc.Cooldown);
        Check(r.Training.OnNonFinite is "stop" or "skip", "training.on_non_finite", "one of stop, skip", r.Training.OnNonFinite);
        Check(r.Training.GradientAccumulation > 0, "training.gradient_accumulation", "a positive integer", r.Training.GradientAccumulation);
        Check(r.Training.Monitor is "auto" or "val_accuracy" or "val_loss", "training.monitor", "one of auto, val_accuracy, val_loss", r.Training.Monitor);
        Check(r.Training.EarlyStopping.Patience >= 0, "training.early_stopping.patience", "a number ≥ 0 (0 = off)", r.Training.EarlyStopping.Patience);
        Check(r.Training.EarlyStopping.MinDelta >= 0, "training.early_stopping.min_delta", "a number ≥ 0", r.Training.EarlyStopping.MinDelta);
        Check(r.Regularization.L1 >= 0, "regularization.l1", "a number ≥ 0", r.Regularization.L1);
        Check(r.Regularization.L2 >= 0, "regularization.l2", "a number ≥ 0", r.Regularization.L2);
        Check(r.Clipping.Value >= 0, "clipping.value", "a number ≥ 0 (0 = off)", r.Clipping.Value);
        Check(r.Clipping.MaxNorm >= 0, "clipping.max_norm", "a number ≥ 0 (0 = off)", r.Clipping.MaxNorm);
        Check(r.Data.ValidationSize >= 0, "data.validation_size", "a number ≥ 0", r.Data.ValidationSize);
        Check(r.Data.Normalize is "standard" or "minmax" or "none", "data.normalize", "one of standard, minmax, none", r.Data.Normalize);
        DataChecks(r.Data, Check);
        Check(r.Loss.LabelSmoothing is >= 0 and < 1, "loss.label_smoothing", "a number in [0, 1)", r.Loss.LabelSmoothing);
        Check(r.Loss.Delta > 0 && double.IsFinite(r.Loss.Delta), "loss.delta", "a positive number", r.Loss.Delta);
        Check(r.Model.Forward is not null || r.Model.Layers.Count > 0, "model.layers", "at least one layer (or model.forward)", "none");
        Check(r.Model.Forward is not null || r.Model.InputShape.Count > 0, "model.input_shape", "the shape of one sample, e.g. [28, 28]", "none");
        Check(r.Model.InputShape.All(d => d > 0), "model.input_shape", "positive sizes", $"[{string.Join(", ", r.Model.InputShape)}]");
        for (int i = 0; i < r.Model.Layers.Count; i++)
            Check(!string.IsNullOrWhiteSpace(r.Model.Layers[i].Type), $"model.layers[{i}].type", "a layer type", "nothing");
        return problems;
    }

    private static void DataChecks(DataSection d, Action<bool, string, string, object?> check)
    {
        check(d.Dataset is "fashion-mnist" or "csv" or "synthetic", "data.dataset", "one of fashion-mnist, csv, synthetic", d.Dataset);
        bool tabular = d.Dataset is "csv" or "synthetic";
        check(d.Task is "classification" or "regression", "data.task", "one of classification, regression", d.Task);
        check(d.Missing is "drop" or "mean" or "median", "data.missing", "one of drop, mean, median", d.Missing);
        check(d.Dataset != "csv" || !string.IsNullOrWhiteSpace(d.Target), "data.target", "the name of the column to predict", d.Target);
        check(d.Split.Validation is > 0 and < 1, "data.split.validation", "a fraction in (0, 1)", d.Split.Validation);
        check(d.Split.Test is >= 0 and < 1, "data.split.test", "a fraction in [0, 1)", d.Split.Test);
        check(d.Split.Validation + d.Split.Test < 1, "data.split", "validation + test < 1 (the rest trains)", d.Split.Validation + d.Split.Test);
        check(d.Augment.Shift >= 0, "data.augment.shift", "a number of pixels ≥ 0", d.Augment.Shift);
        check(d.Augment.Noise >= 0 && double.IsFinite(d.Augment.Noise), "data.augment.noise", "a standard deviation ≥ 0", d.Augment.Noise);
        check(!tabular || (d.Augment.Shift == 0 && !d.Augment.Flip), "data.augment", "no shift or flip for tabular data (csv, synthetic); only noise",
            $"shift {d.Augment.Shift}, flip {d.Augment.Flip}".ToLowerInvariant());
        if (d.Dataset != "synthetic") return;
        check(d.Generator is "linear" or "binary_rule", "data.generator", "one of linear, binary_rule", d.Generator);
        check(d.Samples >= 3, "data.samples", "at least 3 rows (train, validation and test need one each)", d.Samples);
        check(d.Noise >= 0 && double.IsFinite(d.Noise), "data.noise", "a standard deviation ≥ 0", d.Noise);
        check(d.FeatureCount > 0, "data.feature_count", "a positive number of features", d.FeatureCount);
        check(d.Informative > 0 && d.Informative <= d.FeatureCount, "data.informative", $"a number of features in [1, {d.FeatureCount}]", d.Informative);
        check(double.IsFinite(d.Slope) && double.IsFinite(d.Intercept), "data.slope", "finite slope and intercept", $"{d.Slope}, {d.Intercept}");
    }
}
