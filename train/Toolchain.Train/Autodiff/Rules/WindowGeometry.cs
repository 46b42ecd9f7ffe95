using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>
/// Where a Conv or pooling window lies along each spatial axis of its input (auto_pad resolved), and
/// the adjoint of sliding it: the ConvTranspose that sends each output's gradient back over its window.
/// </summary>
internal sealed record WindowGeometry(long Channels, long[] Input, long[] Kernel, long[] Strides, long[] Dilations, long[] Begin, long[] End, long[] Output)
{
    public int Rank => Input.Length;

    /// <summary>Axes 2, 3, …: the spatial axes of an [N, C, spatial…] tensor.</summary>
    public long[] SpatialAxes => Enumerable.Range(2, Rank).Select(a => (long)a).ToArray();

    public static WindowGeometry Of(GradientContext c, long[] kernel)
    {
        var type = c.Graph.TypeOf(c.Input(0));
        if (type?.Shape is not { } shape || shape.Length != kernel.Length + 2 || !shape[1..].All(d => d.IsKnown))
            throw c.Unsupported($"gradients need the input's channels and spatial sizes statically, got {type?.ToString() ?? "an unknown type"}");
        var (begin, end, output) = ShapeInference.Window(c.Node, shape[2..], kernel)
            ?? throw c.Unsupported("the window does not fit the input");
        long[] Ints(string name) => Attributes.Ints(c.Node, name) ?? Enumerable.Repeat(1L, kernel.Length).ToArray();
        return new(shape[1].Size, shape[2..].Select(d => d.Size).ToArray(), kernel, Ints("strides"), Ints("dilations"), begin, end, output);
    }

    /// <summary>
    /// Σ over every window of weight ⊗ dy, landed on the input positions the window covered: a ConvTranspose
    /// with the forward strides, dilations and leading pads. Its end pad and output_padding are chosen so the
    /// result is exactly the input's size; input positions no window reached get zero.
    /// </summary>
    public Value Transposed(GraphBuilder g, Value dy, Value weight, long group)
    {
        var pads = new long[2 * Rank];
        var outputPadding = new long[Rank];
        for (int k = 0; k < Rank; k++)
        {
            // ConvTranspose yields stride·(out − 1) + dilation·(k − 1) + 1 − pad_begin − pad_end + output_padding.
            long excess = Strides[k] * (Output[k] - 1) + Dilations[k] * (Kernel[k] - 1) + 1 - Begin[k] - Input[k];
            pads[k] = Begin[k];
            (pads[Rank + k], outputPadding[k]) = excess >= 0 ? (excess, 0L) : (0L, -excess);
        }
        var attributes = new Dictionary<string, object>
        {
            ["kernel_shape"] = Kernel, ["strides"] = Strides, ["dilations"] = Dilations, ["pads"] = pads, ["group"] = group,
        };
        if (outputPadding.Any(p => p != 0)) attributes["output_padding"] = outputPadding;
        return g.Op("ConvTranspose", [dy, weight], attributes);
    }
}
