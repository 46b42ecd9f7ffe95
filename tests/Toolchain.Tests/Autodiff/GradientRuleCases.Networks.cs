using Toolchain.Graph;

namespace Toolchain.Tests.Autodiff;

/// <summary>Cases for the convolutional-network rules: Conv, pooling, normalisation, dropout.</summary>
public static partial class GradientRuleCases
{
    private static IEnumerable<GradientRuleCase> Convolution()
    {
        yield return new("Conv 3x3 on 5x7", "Conv", [In("x", 2, 3, 5, 7), In("w", 4, 3, 3, 3), In("b", 4)],
            (g, x) => g.Conv(x[0], x[1], x[2]));
        yield return new("Conv stride 2 pads 1", "Conv", [In("x", 2, 3, 5, 7), In("w", 4, 3, 3, 3), In("b", 4)],
            (g, x) => g.Conv(x[0], x[1], x[2], strides: [2, 2], pads: [1, 1, 1, 1]));
        // No window reads row 5 (3-row kernel, stride 2, 6 rows) or column 8 (2 columns, stride 3, 9 columns): their
        // gradient is zero, and ConvTranspose reaches the input's size through output_padding.
        yield return new("Conv stride 2 with rows no window reads", "Conv", [In("x", 1, 2, 6, 9), In("w", 3, 2, 3, 2)],
            (g, x) => g.Conv(x[0], x[1], strides: [2, 3]));
        yield return new("Conv strides 2x3 asymmetric pads", "Conv", [In("x", 1, 2, 6, 7), In("w", 3, 2, 3, 2), In("b", 3)],
            (g, x) => g.Conv(x[0], x[1], x[2], strides: [2, 3], pads: [0, 1, 2, 0]));
        yield return new("Conv dilation 2 pads 2", "Conv", [In("x", 2, 2, 7, 6), In("w", 3, 2, 3, 2)],
            (g, x) => g.Conv(x[0], x[1], pads: [2, 1, 2, 1], dilations: [2, 2]));
        yield return new("Conv dilation 2 stride 2", "Conv", [In("x", 1, 2, 9, 8), In("w", 2, 2, 3, 3), In("b", 2)],
            (g, x) => g.Conv(x[0], x[1], x[2], strides: [2, 2], dilations: [2, 1]));
        foreach (var autoPad in new[] { "SAME_UPPER", "SAME_LOWER" })
            yield return new($"Conv {autoPad} stride 2 odd total pad", "Conv", [In("x", 2, 3, 5, 7), In("w", 4, 3, 2, 4), In("b", 4)],
                (g, x) => g.Conv(x[0], x[1], x[2], strides: [2, 2], autoPad: autoPad));
        yield return new("Conv SAME_UPPER stride 1", "Conv", [In("x", 1, 2, 5, 6), In("w", 2, 2, 3, 3)],
            (g, x) => g.Conv(x[0], x[1], autoPad: "SAME_UPPER"));
        yield return new("Conv VALID stride 2", "Conv", [In("x", 1, 2, 6, 7), In("w", 3, 2, 3, 3)],
            (g, x) => g.Conv(x[0], x[1], strides: [2, 2], autoPad: "VALID"));
        yield return new("Conv depthwise group=C", "Conv", [In("x", 2, 3, 5, 7), In("w", 3, 1, 3, 3), In("b", 3)],
            (g, x) => g.Conv(x[0], x[1], x[2], pads: [1, 1, 1, 1], group: 3));
        yield return new("Conv depthwise multiplier 2 stride 2", "Conv", [In("x", 2, 3, 6, 5), In("w", 6, 1, 3, 3)],
            (g, x) => g.Conv(x[0], x[1], strides: [2, 2], group: 3));
        yield return new("Conv group 2", "Conv", [In("x", 2, 4, 5, 5), In("w", 6, 2, 3, 3), In("b", 6)],
            (g, x) => g.Conv(x[0], x[1], x[2], pads: [1, 0, 1, 0], group: 2));
        yield return new("Conv symbolic batch", "Conv", [In("x", 3, 2, 5, 5), In("w", 2, 2, 3, 3), In("b", 2)],
            (g, x) => g.Conv(x[0], x[1], x[2], pads: [1, 1, 1, 1]), SymbolicBatch: true);
        yield return new("Conv grouped symbolic batch", "Conv", [In("x", 2, 4, 5, 4), In("w", 4, 2, 2, 2)],
            (g, x) => g.Conv(x[0], x[1], strides: [2, 1], group: 2), SymbolicBatch: true);
        // Into a training-mode BatchNormalization the bias has no effect (its gradient is exactly zero); read by
        // anything else as well, it has.
        static Value Normalized(GraphBuilder g, Value y) =>
            g.BatchNormalization(y, g.Constant([1.5f, -0.5f, 1f], 3), g.Constant([0.1f, 0.2f, 0.3f], 3), g.Constant(new float[3], 3),
                g.Constant([1f, 1f, 1f], 3), trainingMode: true)[0];
        yield return new("Conv with bias into training BatchNormalization", "Conv", [In("x", 2, 2, 4, 5), In("w", 3, 2, 3, 3), In("b", 3)],
            (g, x) => Normalized(g, g.Conv(x[0], x[1], x[2], pads: [1, 1, 1, 1])));
        yield return new("Conv with bias into training BatchNormalization and a residual Add", "Conv", [In("x", 2, 2, 4, 5), In("w", 3, 2, 3, 3), In("b", 3)],
            (g, x) => { var y = g.Conv(x[0], x[1], x[2], pads: [1, 1, 1, 1]); return g.Add(Normalized(g, y), y); });
        // Under 512 pixels per sample the weight gradient's columns are one Gather from channels-last X.
        yield return new("Conv 2x3 asymmetric pads on 6x7 symbolic batch", "Conv", [In("x", 2, 3, 6, 7), In("w", 2, 3, 2, 3), In("b", 2)],
            (g, x) => g.Conv(x[0], x[1], x[2], pads: [1, 0, 0, 2]), SymbolicBatch: true);
        yield return new("Conv 3x2 pads at the end only on 5x4", "Conv", [In("x", 3, 2, 5, 4), In("w", 3, 2, 3, 2)],
            (g, x) => g.Conv(x[0], x[1], pads: [0, 0, 2, 1]));
        // 512 pixels or more per sample: the weight gradient runs as per-sample products summed over the batch.
        yield return new("Conv 3x3 pads 1 on 24x24 symbolic batch", "Conv", [In("x", 2, 2, 24, 24), In("w", 2, 2, 3, 3), In("b", 2)],
            (g, x) => g.Conv(x[0], x[1], x[2], pads: [1, 1, 1, 1]), SymbolicBatch: true);
        yield return new("Conv 2x3 asymmetric pads on 20x30", "Conv", [In("x", 1, 1, 20, 30), In("w", 3, 1, 2, 3)],
            (g, x) => g.Conv(x[0], x[1], pads: [1, 0, 0, 2]));
        yield return new("Conv 1-D stride 2", "Conv", [In("x", 2, 3, 9), In("w", 2, 3, 3), In("b", 2)],
            (g, x) => g.Conv(x[0], x[1], x[2], strides: [2], pads: [1, 0]));
    }

    private static IEnumerable<GradientRuleCase> Pooling()
    {
        yield return new("MaxPool 2x2 stride 2", "MaxPool", [Distinct("x", 2, 2, 4, 6)],
            (g, x) => g.MaxPool(x[0], [2, 2], strides: [2, 2]));
        yield return new("MaxPool 3x3 overlapping pads 1", "MaxPool", [Distinct("x", 1, 2, 5, 7)],
            (g, x) => g.MaxPool(x[0], [3, 3], pads: [1, 1, 1, 1]));
        yield return new("MaxPool 3x2 stride 2 overlapping asymmetric pads", "MaxPool", [Distinct("x", 2, 1, 7, 5)],
            (g, x) => g.MaxPool(x[0], [3, 2], strides: [2, 1], pads: [1, 0, 0, 1]));
        yield return new("MaxPool SAME_UPPER stride 2", "MaxPool", [Distinct("x", 1, 2, 5, 5)],
            (g, x) => g.MaxPool(x[0], [2, 2], strides: [2, 2], autoPad: "SAME_UPPER"));
        yield return new("MaxPool dilation 2", "MaxPool", [Distinct("x", 1, 2, 7, 6)],
            (g, x) => g.MaxPool(x[0], [2, 2], dilations: [2, 2]));
        yield return new("MaxPool with its Indices output", "MaxPool", [Distinct("x", 2, 2, 5, 5)],
            (g, x) => g.Node("MaxPool", [x[0]], 2, A(("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 })))[0]);
        // ceil_mode: 3 windows of 3 rows at stride 2 over 6 rows and 4 of 2 columns over 6 columns (after a leading
        // pad), each last window hanging one past the end.
        yield return new("MaxPool ceil_mode", "MaxPool", [Distinct("x", 1, 2, 6, 6)],
            (g, x) => g.Op("MaxPool", [x[0]], A(("kernel_shape", new long[] { 3, 2 }), ("strides", new long[] { 2, 2 }),
                ("pads", new long[] { 0, 1, 0, 0 }), ("ceil_mode", 1L))));
        yield return new("MaxPool symbolic batch", "MaxPool", [Distinct("x", 3, 2, 4, 5)],
            (g, x) => g.MaxPool(x[0], [2, 3], strides: [2, 1]), SymbolicBatch: true);
        // Windows that tile the input (kernel = stride, no padding) take the gradient's fast path; the rest fall back.
        yield return new("MaxPool 2x2 stride 2 tiling symbolic batch", "MaxPool", [Distinct("x", 3, 2, 4, 6)],
            (g, x) => g.MaxPool(x[0], [2, 2], strides: [2, 2]), SymbolicBatch: true);
        yield return new("MaxPool 3x2 stride 3x2 tiling", "MaxPool", [Distinct("x", 2, 3, 6, 4)],
            (g, x) => g.MaxPool(x[0], [3, 2], strides: [3, 2]));
        yield return new("MaxPool 2x2 stride 2 odd sizes (last row and column unpooled)", "MaxPool", [Distinct("x", 2, 2, 5, 7)],
            (g, x) => g.MaxPool(x[0], [2, 2], strides: [2, 2]));
        yield return new("MaxPool 2x2 stride 2 odd sizes ceil_mode", "MaxPool", [Distinct("x", 1, 2, 5, 5)],
            (g, x) => g.Op("MaxPool", [x[0]], A(("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L))));
        yield return new("MaxPool 2x2 stride 1 overlapping", "MaxPool", [Distinct("x", 2, 2, 4, 5)],
            (g, x) => g.MaxPool(x[0], [2, 2]));
        // After a ReLU whole windows are zeros, a four-way tie: the gradient must stay a valid subgradient, which the
        // ReLU then zeroes (its inputs there sit at −2 ± 1, far from its kink).
        yield return new("MaxPool 2x2 stride 2 after Relu with all-zero windows", "MaxPool", [In("x", 2, 2, 4, 4)],
            (g, x) => g.MaxPool(g.Relu(g.Add(x[0], g.Constant(ZeroWindowsShift(2, 2, 4, 4), 2, 2, 4, 4))), [2, 2], strides: [2, 2]));

        yield return new("AveragePool 2x2 stride 2", "AveragePool", [In("x", 2, 3, 4, 6)],
            (g, x) => g.AveragePool(x[0], [2, 2], strides: [2, 2]));
        foreach (var include in new[] { false, true })
        {
            yield return new($"AveragePool 3x3 pads 1 count_include_pad={include}", "AveragePool", [In("x", 1, 2, 5, 7)],
                (g, x) => g.AveragePool(x[0], [3, 3], pads: [1, 1, 1, 1], countIncludePad: include));
            yield return new($"AveragePool 3x2 stride 2 asymmetric pads count_include_pad={include}", "AveragePool", [In("x", 2, 2, 7, 6)],
                (g, x) => g.AveragePool(x[0], [3, 2], strides: [2, 2], pads: [1, 0, 2, 1], countIncludePad: include));
        }
        foreach (var include in new[] { 0L, 1L })
            yield return new($"AveragePool ceil_mode count_include_pad={include}", "AveragePool", [In("x", 1, 2, 6, 6)],
                (g, x) => g.Op("AveragePool", [x[0]], A(("kernel_shape", new long[] { 3, 2 }), ("strides", new long[] { 2, 2 }),
                    ("pads", new long[] { 0, 1, 0, 0 }), ("ceil_mode", 1L), ("count_include_pad", include))));
        yield return new("AveragePool SAME_LOWER stride 2", "AveragePool", [In("x", 1, 2, 5, 7)],
            (g, x) => g.AveragePool(x[0], [2, 3], strides: [2, 2], autoPad: "SAME_LOWER"));
        yield return new("AveragePool 1-D", "AveragePool", [In("x", 2, 3, 7)],
            (g, x) => g.AveragePool(x[0], [3], strides: [2], pads: [1, 1]));
        yield return new("AveragePool symbolic batch", "AveragePool", [In("x", 3, 2, 4, 4)],
            (g, x) => g.AveragePool(x[0], [2, 2], strides: [2, 2]), SymbolicBatch: true);

        yield return new("GlobalAveragePool", "GlobalAveragePool", [In("x", 2, 3, 5, 7)], (g, x) => g.GlobalAveragePool(x[0]));
        yield return new("GlobalAveragePool symbolic batch", "GlobalAveragePool", [In("x", 3, 2, 3, 3)],
            (g, x) => g.GlobalAveragePool(x[0]), SymbolicBatch: true);
    }

    /// <summary>−2 over every other 2×2 window of an [N, C, H, W] tensor, 0 elsewhere.</summary>
    private static float[] ZeroWindowsShift(int n, int c, int h, int w)
    {
        var shift = new float[n * c * h * w];
        for (int k = 0; k < shift.Length; k++)
        {
            int row = k / w % h, column = k % w, plane = k / (h * w);
            if ((plane + row / 2 + column / 2) % 2 == 0) shift[k] = -2f;
        }
        return shift;
    }

    private static IEnumerable<GradientRuleCase> Normalization()
    {
        // Training mode normalises with the batch's statistics; the given mean and variance only feed the running outputs.
        static Value Training(GraphBuilder g, Value[] x, long channels) =>
            g.BatchNormalization(x[0], x[1], x[2], g.Constant(new float[channels], channels),
                g.Constant(Enumerable.Repeat(1f, (int)channels).ToArray(), channels), trainingMode: true)[0];
        yield return new("BatchNormalization training NCHW", "BatchNormalization", [In("x", 3, 2, 2, 3), In("scale", 2), In("b", 2)],
            (g, x) => Training(g, x, 2));
        yield return new("BatchNormalization training 2-D", "BatchNormalization", [In("x", 4, 3), In("scale", 3), In("b", 3)],
            (g, x) => Training(g, x, 3));
        yield return new("BatchNormalization training symbolic batch", "BatchNormalization", [In("x", 3, 2, 3, 2), In("scale", 2), In("b", 2)],
            (g, x) => Training(g, x, 2), SymbolicBatch: true);
        yield return new("BatchNormalization training 3-D", "BatchNormalization", [In("x", 4, 3, 5), In("scale", 3), In("b", 3)],
            (g, x) => Training(g, x, 3));
        yield return new("BatchNormalization training NCHW one sample", "BatchNormalization", [In("x", 1, 3, 3, 4), In("scale", 3), In("b", 3)],
            (g, x) => Training(g, x, 3));
        yield return new("BatchNormalization training unknown shapes", "BatchNormalization", [In("x", 3, 2, 2, 2), In("scale", 2), In("b", 2)],
            (g, x) => Training(g, x, 2), UnknownShapes: true);
        // Momentum 0 makes the running outputs the batch statistics, which the rule then reads instead of recomputing.
        static Value BatchStatisticsOut(GraphBuilder g, Value[] x, long channels) =>
            g.BatchNormalization(x[0], x[1], x[2], g.Constant(new float[channels], channels),
                g.Constant(Enumerable.Repeat(1f, (int)channels).ToArray(), channels), epsilon: 1e-3f, momentum: 0f, trainingMode: true)[0];
        yield return new("BatchNormalization training momentum 0 NCHW", "BatchNormalization", [In("x", 3, 2, 2, 3), In("scale", 2), In("b", 2)],
            (g, x) => BatchStatisticsOut(g, x, 2));
        yield return new("BatchNormalization training momentum 0 2-D", "BatchNormalization", [In("x", 4, 3), In("scale", 3), In("b", 3)],
            (g, x) => BatchStatisticsOut(g, x, 3));
        yield return new("BatchNormalization training momentum 0 symbolic batch", "BatchNormalization", [In("x", 3, 2, 3, 2), In("scale", 2), In("b", 2)],
            (g, x) => BatchStatisticsOut(g, x, 2), SymbolicBatch: true);
        yield return new("BatchNormalization training momentum 0 3-D one sample", "BatchNormalization", [In("x", 1, 3, 5), In("scale", 3), In("b", 3)],
            (g, x) => BatchStatisticsOut(g, x, 3));
        yield return new("BatchNormalization training momentum 0 unknown shapes", "BatchNormalization", [In("x", 3, 2, 2, 2), In("scale", 2), In("b", 2)],
            (g, x) => BatchStatisticsOut(g, x, 2), UnknownShapes: true);
        yield return new("BatchNormalization inference", "BatchNormalization",
            [In("x", 3, 2, 2, 2), In("scale", 2), In("b", 2), In("mean", 2), Pos("var", 2)],
            (g, x) => g.BatchNormalization(x[0], x[1], x[2], x[3], x[4], epsilon: 1e-3f)[0]);

        yield return new("LayerNormalization last axis", "LayerNormalization", [In("x", 3, 5), In("scale", 5), In("b", 5)],
            (g, x) => g.LayerNormalization(x[0], x[1], x[2]));
        yield return new("LayerNormalization axis 1 of 3-D", "LayerNormalization", [In("x", 2, 3, 4), In("scale", 3, 4), In("b", 3, 4)],
            (g, x) => g.LayerNormalization(x[0], x[1], x[2], axis: 1, epsilon: 1e-3f));
        yield return new("LayerNormalization no bias axis -2", "LayerNormalization", [In("x", 2, 3, 4), In("scale", 3, 4)],
            (g, x) => g.LayerNormalization(x[0], x[1], null, axis: -2));
        yield return new("LayerNormalization symbolic batch", "LayerNormalization", [In("x", 3, 4), In("scale", 4), In("b", 4)],
            (g, x) => g.LayerNormalization(x[0], x[1], x[2]), SymbolicBatch: true);

        // In training mode the mask is random per run, which finite differences cannot follow: DropoutGradientTests covers it.
        yield return new("Dropout without training_mode", "Dropout", [In("x", 3, 4)],
            (g, x) => g.Node("Dropout", [x[0], g.Constant(0.5f)], 1)[0]);
        yield return new("Dropout training_mode false with mask", "Dropout", [In("x", 3, 4)],
            (g, x) => g.Node("Dropout", [x[0], g.Constant(0.3f), g.ConstantBool(false)], 2)[0]);
    }
}
