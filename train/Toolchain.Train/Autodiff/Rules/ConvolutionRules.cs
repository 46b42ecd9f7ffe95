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
        var dx = window.Transposed(g, c.Dy, w, group);
        var dw = WeightGradient(g, x, c.Dy, window, group);
        var db = c.HasInput(2) ? g.ReduceSum(c.Dy, [0, .. window.SpatialAxes], keepDims: false) : null;
        return [dx, dw, db];
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
