using Toolchain.Recipes;

namespace Toolchain.Train.Losses;

/// <summary>Selects a loss by its recipe name.</summary>
public static class LossFactory
{
    private static readonly Dictionary<string, Func<LossSection, ILoss>> Registry = new()
    {
        ["cross_entropy"] = s => new CrossEntropyLoss(s.LabelSmoothing),
        ["mse"] = _ => new MeanSquaredErrorLoss(),
        ["bce_with_logits"] = _ => new BinaryCrossEntropyWithLogitsLoss(),
        ["mae"] = _ => new MeanAbsoluteErrorLoss(),
        ["huber"] = s => new HuberLoss(s.Delta),
    };

    public static IReadOnlyCollection<string> Names => Registry.Keys;

    public static ILoss Create(LossSection section)
    {
        if (!Registry.TryGetValue(section.Name, out var make))
            throw new RecipeException($"loss.name: expected one of {string.Join(", ", Registry.Keys)}, got '{section.Name}'");
        try { return make(section); }
        catch (ArgumentException e) { throw new RecipeException($"loss: {e.Message}", e); }
    }
}
