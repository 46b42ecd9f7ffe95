using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of ops that pick elements: each picked element's gradient goes back where it came from.</summary>
internal static class IndexingRules
{
    // y = x[start:end:step, …] on constant bounds: dy lands on the positions the slice took, zero elsewhere.
    // Unit steps: one Pad. Other steps: one ScatterElements per sliced axis puts each row at its source position.
    public static Value?[] Slice(GradientContext c)
    {
        var g = c.Graph;
        var x = c.Input(0);
        var shape = g.TypeOf(x)?.Shape ?? throw c.Unsupported("gradients need the input's rank");
        var starts = RuleSupport.ConstantInts(c, 1)!;
        var ends = RuleSupport.ConstantInts(c, 2)!;
        var axes = (RuleSupport.ConstantInts(c, 3) ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray())
            .Select(a => a < 0 ? a + shape.Length : a).ToArray();
        var steps = RuleSupport.ConstantInts(c, 4) ?? starts.Select(_ => 1L).ToArray();
        if (axes.Any(a => !shape[a].IsKnown)) throw c.Unsupported("gradients need the sliced axes' sizes statically");
        var taken = axes.Select((a, k) => ShapeInference.SlicePositions(starts[k], ends[k], steps[k], shape[a].Size)).ToArray();
        if (taken.Any(p => p.Length == 0)) return [RuleSupport.ZerosLike(g, x), null, null, null, null];

        if (steps.All(s => s == 1))
        {
            var pads = new long[2 * shape.Length];
            for (int k = 0; k < axes.Length; k++)
                (pads[axes[k]], pads[shape.Length + axes[k]]) = (taken[k][0], shape[axes[k]].Size - 1 - taken[k][^1]);
            return [g.Op("Pad", c.Dy, g.ConstantLongs(pads)), null, null, null, null];
        }
        var dx = c.Dy;
        for (int k = 0; k < axes.Length; k++)
            dx = ScatterAlong(g, dx, (int)axes[k], shape.Length, taken[k], shape[axes[k]].Size);
        return [dx, null, null, null, null];
    }

    // y = data taken along the axis at indices: each dy row is added back onto the data row it was read from, so
    // repeated indices accumulate (ScatterElements with reduction add). The indices get no gradient.
    public static Value?[] Gather(GradientContext c)
    {
        var g = c.Graph;
        var (data, indices) = (c.Input(0), c.Input(1));
        int rank = RuleSupport.RankOf(c, 0);
        var axis = (int)c.Int("axis", 0);
        if (axis < 0) axis += rank;
        // dy as data's shape with every gathered row along the axis: [d₀ … d(a−1), |indices|, d(a+1) …].
        var dataShape = g.TypeOf(data)!.Shape!;
        var rowsShape = dataShape.Where((_, k) => k != axis).All(d => d.IsKnown)
            ? g.ConstantLongs(dataShape.Select((d, k) => k == axis ? -1 : d.Size).ToArray())
            : g.Concat(0, g.Shape(data, 0, axis), g.ConstantLongs(-1), g.Shape(data, axis + 1));
        var rows = g.Reshape(c.Dy, rowsShape);
        var positions = g.Reshape(indices, Enumerable.Range(0, rank).Select(k => k == axis ? -1L : 1L).ToArray());
        var dData = g.Op("ScatterElements", [RuleSupport.ZerosLike(g, data), g.Expand(positions, g.Shape(rows)), rows],
            new Dictionary<string, object> { ["axis"] = (long)axis, ["reduction"] = "add" });
        return [dData, null];
    }

    /// <summary>Places <paramref name="x"/>'s rows along <paramref name="axis"/> at <paramref name="positions"/> of an axis of size <paramref name="size"/>, zeros elsewhere.</summary>
    private static Value ScatterAlong(GraphBuilder g, Value x, int axis, int rank, long[] positions, long size)
    {
        var wider = g.Concat(0, g.Shape(x, 0, axis), g.ConstantLongs(size), g.Shape(x, axis + 1));
        var at = g.Constant(positions, Enumerable.Range(0, rank).Select(k => k == axis ? positions.Length : 1L).ToArray());
        return g.Op("ScatterElements", [g.Filled(wider, 0f), g.Expand(at, g.Shape(x)), x], new Dictionary<string, object> { ["axis"] = (long)axis });
    }
}
