using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of reductions: the output gradient is broadcast back over the reduced axes.</summary>
internal static class ReductionRules
{
    public static Value?[] ReduceSum(GradientContext c)
    {
        var g = c.Graph;
        var axes = c.HasInput(1) ? g.ConstantOf(c.Input(1)) is { } t ? TensorProtos.ToLongs(t) : null : [];
        if (axes is null) throw c.Unsupported("gradients need the reduced axes as a constant");
        if (axes.Length == 0 && c.Int("noop_with_empty_axes", 0) != 0) return [c.Dy, null];
        return [Spread(c, axes), null];
    }

    public static Value?[] ReduceMean(GradientContext c)
    {
        var g = c.Graph;
        var spread = Spread(c, Attributes.Ints(c.Node, "axes") ?? []);
        var count = g.Div(g.Cast(g.Op("Size", c.Input(0)), ElementType.Float), g.Cast(g.Op("Size", c.Output()), ElementType.Float));
        return [g.Div(spread, count)];
    }

    /// <summary>Broadcasts dy (reduced over <paramref name="axes"/>; all axes when empty) back to the input's shape.</summary>
    private static Value Spread(GradientContext c, long[] axes)
    {
        var g = c.Graph;
        var dy = c.Dy;
        if (c.Int("keepdims", 1) == 0)
        {
            var rank = g.TypeOf(c.Input(0))?.Rank ?? throw c.Unsupported("gradients with keepdims=0 need the input's rank");
            var all = axes.Length == 0 ? Enumerable.Range(0, rank).Select(a => (long)a).ToArray() : axes.Select(a => a < 0 ? a + rank : a).ToArray();
            dy = g.Op("Unsqueeze", dy, g.ConstantLongs(all.Order().ToArray()));
        }
        return g.Op("Expand", dy, g.Shape(c.Input(0)));
    }
}
