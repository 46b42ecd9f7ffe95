using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of convolution (NCHW and its 1-D and 3-D kin, grouped and depthwise included).</summary>
internal static class ConvolutionRules
{
    // Y[n,m] = Σ_c W[m,c] ⋆ X[n,c] + B[m] (cross-correlation with strides, dilations, pads, groups):
    //   dX = the adjoint of the window slide: ConvTranspose(dY, W), cropped to X's size;
    //   dW[m,c,a] = Σ_n Σ_i dY[n,m,i] · X[n,c,i·stride + a·dilation]: a Conv of X by dY with batch and channels
    //   swapped, whose stride is the forward dilation and whose dilation is the forward stride;
    //   dB = Σ dY over N and the spatial axes.
    public static Value?[] Conv(GradientContext c)
    {
        var g = c.Graph;
        var (x, w) = (c.Input(0), c.Input(1));
        var wShape = g.TypeOf(w)?.Shape;
        if (wShape is null || !wShape.All(d => d.IsKnown))
            throw c.Unsupported($"gradients need the weight's shape statically, got {g.TypeOf(w)?.ToString() ?? "an unknown type"}");
        var kernel = Attributes.Ints(c.Node, "kernel_shape") ?? wShape[2..].Select(d => d.Size).ToArray();
        var window = WindowGeometry.Of(c, kernel);
        var group = c.Int("group", 1);
        bool plain = window.Rank == 2 && group == 1 && window.Strides.All(v => v == 1) && window.Dilations.All(v => v == 1);
        var dx = plain ? InputGradientAsConv(g, c.Dy, w, window) : window.Transposed(g, c.Dy, w, group);
        var dw = plain ? WeightGradientAsGemm(g, x, c.Dy, window, wShape[0].Size) : WeightGradient(g, x, c.Dy, window, group);
        var db = !c.HasInput(2) ? null
            : BiasAbsorbed(c) ? g.Constant(new float[wShape[0].Size], wShape[0].Size)
            : g.ReduceSum(c.Dy, [0, .. window.SpatialAxes], keepDims: false);
        return [dx, dw, db];
    }

    // A training-mode BatchNormalization subtracts the per-channel mean of its batch, which takes a per-channel bias
    // with it exactly: when that is all that reads Y, the loss does not depend on B, and dB is zero. (Computed, it
    // is a reduction over all of dY that comes out as rounding noise; on fashion-cnn both conv layers feed one.)
    private static bool BiasAbsorbed(GradientContext c)
    {
        var y = c.Output();
        return c.ForwardConsumers(y) is { Count: > 0 } readers && !c.IsGraphOutput(y)
            && readers.All(n => n.OpType == "BatchNormalization" && n.Domain is "" or "ai.onnx" && Attributes.Int(n, "training_mode", 0) != 0
                && n.Input[0] == y.Name && n.Input.Skip(1).All(i => i != y.Name));
    }

    // Stride 1, no dilation: dX = Conv(dY, W with the kernel flipped and the channel axes swapped) with
    // pads k − 1 − p: the same arithmetic as the ConvTranspose adjoint, on ONNX Runtime's Conv kernel. On
    // fashion-cnn ConvTranspose made the whole step 6–8 % faster on 1 thread but 3–9 % slower on 2 threads of a
    // shared machine (its col2im runs on one thread), so the Conv stays.
    private static Value InputGradientAsConv(GraphBuilder g, Value dy, Value w, WindowGeometry window)
    {
        var flipped = g.Slice(g.Transpose(w, 1, 0, 2, 3), [-1, -1], [long.MinValue, long.MinValue], [2, 3], [-1, -1]);
        long[] pads = [window.Kernel[0] - 1 - window.Begin[0], window.Kernel[1] - 1 - window.Begin[1],
            window.Kernel[0] - 1 - window.End[0], window.Kernel[1] - 1 - window.End[1]];
        return g.Conv(dy, flipped, pads: pads);
    }

    // Stride 1, no dilation, 2-D, ungrouped: dW as a product over explicit im2col columns, instead of a Conv whose
    // "kernel" is dY (a long, thin product ONNX Runtime runs slowly). With many pixels per sample the product runs
    // per sample, batch axis first, and is summed over the batch: no transposes of X and dY (at 28×28 on
    // fashion-cnn's first layer that transpose of dY costs more than the product saves). With few pixels per
    // sample the per-sample products get too thin, and one Gemm over the whole batch is faster (measured on
    // fashion-cnn's second layer, 14×14).
    private static Value WeightGradientAsGemm(GraphBuilder g, Value x, Value dy, WindowGeometry window, long filters)
    {
        var pixels = window.Output[0] * window.Output[1];
        var (kh, kw) = (window.Kernel[0], window.Kernel[1]);
        // Both paths give dW with columns (i·kw + j)·C + c; W orders them c, i, j.
        var dw = pixels >= 512 ? PerSampleProduct(g, x, dy, window, filters) : BatchProduct(g, x, dy, window, filters);
        return g.Reshape(g.Transpose(g.Reshape(dw, filters, kh * kw, window.Channels), 0, 2, 1), filters, window.Channels, kh, kw);
    }

    // cols[n, (i·kw + j)·C + c, (h, w)] = Xpad[n, c, h + i, w + j] from kh·kw slices, dW = Σ_n dY[n] · cols[n]ᵀ.
    private static Value PerSampleProduct(GraphBuilder g, Value x, Value dy, WindowGeometry window, long filters)
    {
        var pixels = window.Output[0] * window.Output[1];
        var padded = window.Begin.Concat(window.End).All(p => p == 0) ? x
            : g.Op("Pad", x, g.ConstantLongs(0, 0, window.Begin[0], window.Begin[1], 0, 0, window.End[0], window.End[1]));
        var taps = new List<Value>();
        for (long i = 0; i < window.Kernel[0]; i++)
            for (long j = 0; j < window.Kernel[1]; j++)
                taps.Add(g.Slice(padded, [i, j], [i + window.Output[0], j + window.Output[1]], [2, 3]));
        var rows = window.Kernel[0] * window.Kernel[1] * window.Channels;
        var cols = g.Reshape(g.Concat(1, taps.ToArray()), 0, rows, pixels);
        return g.ReduceSum(g.MatMul(g.Reshape(dy, 0, filters, pixels), g.Transpose(cols, 0, 2, 1)), [0], keepDims: false);
    }

    // cols[(n, h, w), (i·kw + j)·C + c] = Xpad[n, c, h + i, w + j], dW = dYᵀ · cols with dY as [M, (n, h, w)]. The
    // columns are one Gather from X channels-last, padded and with its pixels flattened: each of its index
    // (h + i)·Wpad + w + j copies one run of C channels. On fashion-cnn's second layer this replaced a Pad, nine
    // Slices and a Concat of channel-first X (runs of 14 floats each): the step ran about 10 % faster on 2 threads,
    // 3 % on 1. (Per-sample products of this Gather's output, which need no transpose of dY, were 1.5 % faster on
    // 1 thread and 1 % slower on 2; kh·kw one-hot kernels in a Conv as the column builder were slower still.)
    private static Value BatchProduct(GraphBuilder g, Value x, Value dy, WindowGeometry window, long filters)
    {
        var (kh, kw, ho, wo) = (window.Kernel[0], window.Kernel[1], window.Output[0], window.Output[1]);
        var paddedHeight = window.Input[0] + window.Begin[0] + window.End[0];
        var paddedWidth = window.Input[1] + window.Begin[1] + window.End[1];
        var channelsLast = g.Transpose(x, 0, 2, 3, 1);
        var padded = window.Begin.Concat(window.End).All(p => p == 0) ? channelsLast
            : g.Op("Pad", channelsLast, g.ConstantLongs(0, window.Begin[0], window.Begin[1], 0, 0, window.End[0], window.End[1], 0));
        var taps = new long[ho * wo * kh * kw];
        for (long h = 0; h < ho; h++)
            for (long w = 0; w < wo; w++)
                for (long i = 0; i < kh; i++)
                    for (long j = 0; j < kw; j++)
                        taps[((h * wo + w) * kh + i) * kw + j] = (h + i) * paddedWidth + w + j;
        var cols = g.Op("Gather", [g.Reshape(padded, 0, paddedHeight * paddedWidth, window.Channels), g.Constant(taps, ho * wo, kh * kw)],
            new Dictionary<string, object> { ["axis"] = 1L });
        return g.Gemm(g.Reshape(g.Transpose(dy, 1, 0, 2, 3), filters, -1), g.Reshape(cols, -1, kh * kw * window.Channels));
    }

    private static Value WeightGradient(GraphBuilder g, Value x, Value dy, WindowGeometry window, long group)
    {
        var batchFirst = Enumerable.Range(0, window.Rank + 2).Select(a => (long)a).ToArray();
        (batchFirst[0], batchFirst[1]) = (1, 0);
        // X as [C/group, group·N, spatial…]: a group's channels become the batch, its samples the channels,
        // so that group g of this Conv pairs group g of X with group g of dY.
        var spatial = window.Input;
        var xs = group == 1 ? g.Transpose(x, batchFirst)
            : g.Reshape(
                g.Transpose(g.Reshape(x, [-1, group, window.Channels / group, .. spatial]), [2, 1, 0, .. window.SpatialAxes.Select(a => a + 1)]),
                [window.Channels / group, -1, .. spatial]);
        var kernels = g.Transpose(dy, batchFirst);
        var correlation = g.Op("Conv", [xs, kernels], new Dictionary<string, object>
        {
            ["strides"] = window.Dilations, ["dilations"] = window.Strides, ["pads"] = window.Begin.Concat(window.End).ToArray(), ["group"] = group,
        });
        // Input rows past the last window make the correlation longer than the kernel; those taps are not weights.
        var reach = Enumerable.Range(0, window.Rank).Select(k =>
            (spatial[k] + window.Begin[k] + window.End[k] - window.Strides[k] * (window.Output[k] - 1) - 1) / window.Dilations[k] + 1).ToArray();
        if (!reach.SequenceEqual(window.Kernel))
            correlation = g.Slice(correlation, new long[window.Rank], window.Kernel, window.SpatialAxes);
        return g.Transpose(correlation, batchFirst);
    }
}
