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
        if (TilingWindow(c) is { } tiling) return [TiledMaxPoolGradient(g, x, c.Output(), c.Dy, tiling)];
        var indices = c.Node.Output.Count > 1 && c.Node.Output[1].Length > 0 && c.Int("storage_order", 0) == 0
            ? c.Output(1)
            : g.Node("MaxPool", [x], 2, RuleSupport.AttributesOf(c.Node, "storage_order"), "maxpool_indices")[1];
        var flat = g.Op("ScatterElements", [g.Filled(g.Reshape(g.Op("Size", x), 1), 0f), g.Reshape(indices, -1), g.Reshape(c.Dy, -1)],
            new Dictionary<string, object> { ["axis"] = 0L, ["reduction"] = "add" });
        return [g.Reshape(flat, RuleSupport.ShapeOf(g, x))];
    }

    // kh×kw windows with stride (kh, kw), no padding or dilation, tiling the input exactly. X viewed as
    // [N·C·H/kh, kh·W] holds one row of windows per row; Y and dY are spread over those rows by a Gemm with the
    // 0/1 matrix U[wo, r·W + w] = [w / kw = wo] (a 2-D Gemm: MatMul over the 4-D tensors measured 1.7× slower),
    // so the comparison and the product are same-shape elementwise ops. On fashion-cnn this measured faster than ONNX Runtime's MaxPool rerun with Indices plus
    // ScatterElements (about 2×), than Resize or SpaceToDepth/DepthToSpace round trips, and than broadcasting
    // over the kh axis (its broadcast loops run row by row). Where several taps tie for the maximum (whole
    // windows of zeros after a ReLU, or of one value where the input is flat) dY is split equally among them, so
    // the gradient stays a valid subgradient instead of counting dY once per tied tap (counted by a Gemm with Uᵀ:
    // a ReduceSum over the window axes of [rows, kh, W/kw, kw] measured 2.5× slower).
    private static Value TiledMaxPoolGradient(GraphBuilder g, Value x, Value y, Value dy, WindowGeometry tiling)
    {
        var (kh, kw) = (tiling.Kernel[0], tiling.Kernel[1]);
        var (channels, ho, wo, width) = (tiling.Channels, tiling.Output[0], tiling.Output[1], tiling.Input[1]);
        var spread = new float[wo * kh * width];
        for (long r = 0; r < kh; r++)
            for (long w = 0; w < width; w++)
                spread[w / kw * kh * width + r * width + w] = 1f;
        var u = g.Constant(spread, wo, kh * width);

        var rows = g.Reshape(x, -1, kh * width);
        var isMax = g.Cast(g.Op("Equal", rows, g.Gemm(g.Reshape(y, -1, wo), u)), ElementType.Float);
        var ties = g.Gemm(isMax, g.Constant(Transposed(spread, wo, kh * width), kh * width, wo));
        var dx = g.Reshape(g.Mul(isMax, g.Gemm(g.Div(g.Reshape(dy, -1, wo), ties), u)), -1, channels, ho * kh, width);
        g.Annotate(dx, g.TypeOf(x));
        return dx;
    }

    private static float[] Transposed(float[] matrix, long rows, long columns)
    {
        var transposed = new float[matrix.Length];
        for (long i = 0; i < rows; i++)
            for (long j = 0; j < columns; j++)
                transposed[j * rows + i] = matrix[i * columns + j];
        return transposed;
    }

    /// <summary>The window when the node's kh×kw windows tile its 2-D input exactly (strides = kernel, no pads or dilation); otherwise null.</summary>
    private static WindowGeometry? TilingWindow(GradientContext c)
    {
        var kernel = Attributes.Ints(c.Node, "kernel_shape") ?? throw c.Unsupported("kernel_shape is required");
        if (kernel.Length != 2) return null;
        if (c.Graph.TypeOf(c.Input(0))?.Shape is not { Length: 4 } shape || !shape[1..].All(d => d.IsKnown)) return null;
        var window = WindowGeometry.Of(c, kernel);
        bool tiles = Enumerable.Range(0, 2).All(k => window.Strides[k] == kernel[k] && window.Dilations[k] == 1
            && window.Begin[k] == 0 && window.End[k] == 0 && window.Output[k] * kernel[k] == window.Input[k]);
        return tiles ? window : null;
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
