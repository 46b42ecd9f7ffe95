using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of ops that only rearrange elements.</summary>
internal static class ShapeRules
{
    public static Value?[] Reshape(GradientContext c) => [ReshapeBack(c), null];

    public static Value?[] Flatten(GradientContext c) => [ReshapeBack(c)];

    public static Value?[] Squeeze(GradientContext c) => [ReshapeBack(c), null];

    public static Value?[] Unsqueeze(GradientContext c) => [ReshapeBack(c), null];

    // y = xᵀ under perm: dx = dyᵀ under the inverse permutation (no perm reverses the axes, its own inverse).
    public static Value?[] Transpose(GradientContext c)
    {
        if (Attributes.Ints(c.Node, "perm") is not { } perm) return [c.Graph.Op("Transpose", [c.Dy], new Dictionary<string, object>())];
        var inverse = new long[perm.Length];
        for (int k = 0; k < perm.Length; k++) inverse[perm[k]] = k;
        return [c.Graph.Transpose(c.Dy, inverse)];
    }

    // y = [x₀ x₁ …] along the axis: dy splits back into pieces as long as each input along that axis.
    public static Value?[] Concat(GradientContext c)
    {
        var g = c.Graph;
        var axis = c.Int("axis", 0);
        var inputs = Enumerable.Range(0, c.InputCount).Select(c.Input).ToArray();
        var sizes = inputs.Select(x => g.TypeOf(x)?.Shape is { } s ? s[axis < 0 ? axis + s.Length : axis] : Dim.Unknown).ToArray();
        var split = sizes.All(d => d.IsKnown)
            ? g.ConstantLongs(sizes.Select(d => d.Size).ToArray())
            : g.Concat(0, inputs.Select(x => g.Shape(x, axis, axis == -1 ? null : axis + 1)).ToArray());
        return g.Node("Split", [c.Dy, split], inputs.Length, new Dictionary<string, object> { ["axis"] = axis }, "concat_grad");
    }

    private static Value ReshapeBack(GradientContext c) => c.Graph.Reshape(c.Dy, RuleSupport.ShapeOf(c.Graph, c.Input(0)));
}
