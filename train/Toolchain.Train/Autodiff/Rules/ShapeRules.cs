using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of ops that only rearrange elements.</summary>
internal static class ShapeRules
{
    public static Value?[] Reshape(GradientContext c) => [ReshapeBack(c), null];

    public static Value?[] Flatten(GradientContext c) => [ReshapeBack(c)];

    private static Value ReshapeBack(GradientContext c)
    {
        var g = c.Graph;
        var input = c.Input(0);
        var type = g.TypeOf(input);
        return type?.HasKnownShape == true
            ? g.Reshape(c.Dy, type.Shape!.Select(d => d.Size).ToArray())
            : g.Reshape(c.Dy, g.Shape(input));
    }
}
