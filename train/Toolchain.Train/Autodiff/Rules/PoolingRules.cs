using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of pooling: each output's gradient goes back to the input elements its window read.</summary>
internal static class PoolingRules
{
    // y = the largest element of its window: dX gets dY at that element (MaxPool's Indices output, flat over the
    // whole tensor), summed where overlapping windows chose the same one — ScatterElements with reduction add.
    public static Value?[] MaxPool(GradientContext c)
    {
        var g = c.Graph;
        var x = c.Input(0);
        var indices = c.Node.Output.Count > 1 && c.Node.Output[1].Length > 0 && c.Int("storage_order", 0) == 0
            ? c.Output(1)
            : g.Node("MaxPool", [x], 2, RuleSupport.AttributesOf(c.Node, "storage_order"), "maxpool_indices")[1];
        var flat = g.Op("ScatterElements", [g.Filled(g.Reshape(g.Op("Size", x), 1), 0f), g.Reshape(indices, -1), g.Reshape(c.Dy, -1)],
            new Dictionary<string, object> { ["axis"] = 0L, ["reduction"] = "add" });
        return [g.Reshape(flat, RuleSupport.ShapeOf(g, x))];
    }

    // y = Σ window x / count: every element of a window gets dY / count, summed over the windows it lies in — a
    // depthwise ConvTranspose of dY / count with an all-ones kernel. count is the window size, or with
    // count_include_pad=0 the number of its elements inside the input.
    public static Value?[] AveragePool(GradientContext c)
    {
        var g = c.Graph;
        var kernel = Attributes.Ints(c.Node, "kernel_shape") ?? throw c.Unsupported("kernel_shape is required");
        var window = WindowGeometry.Of(c, kernel);
        var counts = WindowCounts(window, c.Int("count_include_pad", 0) != 0);
        var share = counts.Distinct().Count() == 1
            ? g.Mul(c.Dy, g.Constant(1f / counts[0]))
            : g.Mul(c.Dy, g.Constant(counts.Select(n => 1f / n).ToArray(), window.Output));
        var size = kernel.Aggregate(1L, (a, b) => a * b);
        var ones = g.Constant(Enumerable.Repeat(1f, (int)(window.Channels * size)).ToArray(), [window.Channels, 1, .. kernel]);
        return [window.Transposed(g, share, ones, group: window.Channels)];
    }

    // y = mean of x over the spatial axes: dX = dY / (H·W…) spread over them.
    public static Value?[] GlobalAveragePool(GradientContext c)
    {
        var g = c.Graph;
        var x = c.Input(0);
        var spread = g.Expand(c.Dy, g.Shape(x));
        var count = g.Div(g.Cast(g.Op("Size", x), ElementType.Float), g.Cast(g.Op("Size", c.Output()), ElementType.Float));
        return [g.Div(spread, count)];
    }

    /// <summary>How many elements each window averages, per output position in row-major order.</summary>
    private static long[] WindowCounts(WindowGeometry w, bool includePad)
    {
        // Along one axis: the window starting at o·stride − pad_begin, clipped to the padded or the real input.
        long[] AlongAxis(int k) => Enumerable.Range(0, (int)w.Output[k]).Select(o =>
        {
            long start = o * w.Strides[k] - w.Begin[k], end = start + w.Kernel[k];
            return includePad ? Math.Min(end, w.Input[k] + w.End[k]) - start : Math.Min(end, w.Input[k]) - Math.Max(start, 0);
        }).ToArray();
        IEnumerable<long> counts = [1L];
        for (int k = 0; k < w.Rank; k++)
        {
            var axis = AlongAxis(k);
            counts = counts.SelectMany(prefix => axis.Select(n => prefix * n));
        }
        return counts.ToArray();
    }
}
