using Toolchain.Recipes;

namespace Toolchain.Train.Optimizers;

/// <summary>Selects an optimizer by its recipe name and builds it from the recipe's hyperparameters.</summary>
public static class OptimizerFactory
{
    private static readonly Dictionary<string, Func<OptimizerSection, IOptimizer>> Registry = new()
    {
        ["sgd"] = o => new Sgd(o.Momentum, o.Dampening, o.Nesterov, o.WeightDecay),
        ["adam"] = o => new Adam(o.Betas[0], o.Betas[1], o.Eps, o.WeightDecay, decoupled: false, o.Amsgrad),
        ["adamw"] = o => new Adam(o.Betas[0], o.Betas[1], o.Eps, o.WeightDecay, decoupled: true, o.Amsgrad),
    };

    public static IReadOnlyCollection<string> Names => Registry.Keys;

    public static IOptimizer Create(OptimizerSection section)
    {
        if (!Registry.TryGetValue(section.Name, out var make))
            throw new RecipeException($"optimizer.name: expected one of {string.Join(", ", Registry.Keys)}, got '{section.Name}'");
        try { return make(section); }
        catch (ArgumentException e) { throw new RecipeException($"optimizer: {e.Message}", e); }
    }
}
