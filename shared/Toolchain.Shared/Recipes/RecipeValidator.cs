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
        Check(r.Training.BatchSize > 0, "training.batch_size", "a positive integer", r.Training.BatchSize);
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
        Check(r.Data.ValidationSize >= 0, "data.validation_size", "a number ≥ 0", r.Data.ValidationSize);
        Check(r.Data.Normalize is "standard" or "none", "data.normalize", "one of standard, none", r.Data.Normalize);
        Check(r.Loss.LabelSmoothing is >= 0 and < 1, "loss.label_smoothing", "a number in [0, 1)", r.Loss.LabelSmoothing);
        Check(r.Model.Forward is not null || r.Model.Layers.Count > 0, "model.layers", "at least one layer (or model.forward)", "none");
        Check(r.Model.Forward is not null || r.Model.InputShape.Count > 0, "model.input_shape", "the shape of one sample, e.g. [28, 28]", "none");
        Check(r.Model.InputShape.All(d => d > 0), "model.input_shape", "positive sizes", $"[{string.Join(", ", r.Model.InputShape)}]");
        for (int i = 0; i < r.Model.Layers.Count; i++)
            Check(!string.IsNullOrWhiteSpace(r.Model.Layers[i].Type), $"model.layers[{i}].type", "a layer type", "nothing");
        return problems;
    }
}
