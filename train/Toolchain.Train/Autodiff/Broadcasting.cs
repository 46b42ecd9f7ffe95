using Toolchain.Graph;

namespace Toolchain.Train.Autodiff;

/// <summary>
/// Undoes numpy-style broadcasting on a gradient: sums over the axes the operand was stretched along.
/// Uses static shapes when the builder knows them and a run-time shape computation otherwise.
/// </summary>
public static class Broadcasting
{
    public static Value ReduceTo(GraphBuilder g, Value gradient, Value operand)
    {
        var gradShape = g.TypeOf(gradient)?.Shape;
        var targetShape = g.TypeOf(operand)?.Shape;
        if (gradShape is null || targetShape is null) return DynamicReduceTo(g, gradient, operand);

        int lead = gradShape.Length - targetShape.Length;
        if (lead < 0) return DynamicReduceTo(g, gradient, operand);
        var leading = Enumerable.Range(0, lead).Select(a => (long)a).ToList();
        var stretched = new List<long>();
        for (int k = 0; k < targetShape.Length; k++)
        {
            var t = targetShape[k];
            var d = gradShape[lead + k];
            if (t.SameAs(d)) continue;
            if (t.IsKnown && t.Size == 1) { stretched.Add(lead + k); continue; }
            return DynamicReduceTo(g, gradient, operand);
        }
        if (leading.Count == 0 && stretched.Count == 0) return gradient;
        if (stretched.Count == 0) return g.ReduceSum(gradient, leading.ToArray(), keepDims: false);
        var summed = g.ReduceSum(gradient, leading.Concat(stretched).ToArray(), keepDims: true);
        return leading.Count == 0 ? summed : g.Reshape(summed, g.Shape(operand));
    }

    /// <summary>Run-time version: pad the operand's shape with leading ones, reduce where it is 1, reshape back.</summary>
    private static Value DynamicReduceTo(GraphBuilder g, Value gradient, Value operand)
    {
        var gradShape = g.Shape(gradient);
        var operandShape = g.Shape(operand);
        var rankGap = g.Sub(g.Op("Size", gradShape), g.Op("Size", operandShape));
        var padding = g.Op("ConstantOfShape", [g.Reshape(rankGap, 1)], new Dictionary<string, object> { ["value"] = TensorProtos.Longs("one", [1L], 1) });
        var padded = g.Op("Concat", [padding, operandShape], new Dictionary<string, object> { ["axis"] = 0L });
        var stretched = g.Op("Not", g.Op("Equal", padded, gradShape));
        var axes = g.Reshape(g.Op("NonZero", stretched), -1);
        var summed = g.ReduceSumOverAxes(gradient, axes, keepDims: true);
        return g.Reshape(summed, operandShape);
    }
}
