using System.Globalization;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// The one check every optimizer and schedule constructor uses: a bad value is rejected with an
/// <see cref="ArgumentException"/> whose message names the recipe key, the expected range and the
/// actual value, e.g. <c>optimizer.momentum: expected a number in [0, 1), got 1.5</c>.
/// The factories turn it into a <see cref="Toolchain.Recipes.RecipeException"/> unchanged.
/// </summary>
internal static class Hyperparameter
{
    public static void Require(bool ok, string key, string expected, object? actual)
    {
        if (!ok) throw new ArgumentException($"{key}: expected {expected}, got {Format(actual)}");
    }

    private static string Format(object? value) => value switch
    {
        null => "nothing",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "nothing",
    };
}
