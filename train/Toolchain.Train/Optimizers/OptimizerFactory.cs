using Toolchain.Recipes;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// Selects an optimizer by its recipe name (optimizer.name) and builds it from the recipe's
/// hyperparameters, which carry PyTorch's names. A bad value becomes a <see cref="RecipeException"/>
/// naming its key, e.g. <c>optimizer.alpha: expected a number in [0, 1), got 1.5</c>.
/// </summary>
public static class OptimizerFactory
{
    private static readonly Dictionary<string, Func<OptimizerSection, IOptimizer>> Registry = new()
    {
        ["sgd"] = o => new Sgd(o.Momentum, o.Dampening, o.Nesterov, o.WeightDecay),
        ["adam"] = o => new Adam(Beta(o, 0), Beta(o, 1), o.Eps, o.WeightDecay, decoupled: false, o.Amsgrad),
        ["adamw"] = o => new Adam(Beta(o, 0), Beta(o, 1), o.Eps, o.WeightDecay, decoupled: true, o.Amsgrad),
        ["adagrad"] = o => new Adagrad(o.LrDecay, o.InitialAccumulatorValue, o.Eps, o.WeightDecay),
        ["rmsprop"] = o => new RmsProp(o.Alpha, o.Eps, o.Momentum, o.Centered, o.WeightDecay),
    };

    public static IReadOnlyCollection<string> Names => Registry.Keys;

    public static IOptimizer Create(OptimizerSection section)
    {
        if (!Registry.TryGetValue(section.Name, out var make))
            throw new RecipeException($"optimizer.name: expected one of {string.Join(", ", Registry.Keys)}, got '{section.Name}'");
        try { return make(section); }
        catch (ArgumentException e) { throw new RecipeException(e.Message, e); }
    }

    private static double Beta(OptimizerSection o, int index)
    {
        Hyperparameter.Require(o.Betas.Count == 2, "optimizer.betas", "two numbers [beta1, beta2]", $"[{string.Join(", ", o.Betas)}]");
        return o.Betas[index];
    }
}
