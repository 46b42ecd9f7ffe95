using Toolchain.Graph;

namespace Toolchain.Tests.Autodiff;

/// <summary>Cases for rearranging and selecting ops, and the activations beyond the basic ones.</summary>
public static partial class GradientRuleCases
{
    /// <summary>A constant boolean tensor (a condition the harness does not differentiate).</summary>
    private static Value Mask(GraphBuilder g, long[] bits, params long[] dims) => g.Cast(g.Constant(bits, dims), ElementType.Bool);

    private static IEnumerable<GradientRuleCase> Shapes()
    {
        yield return new("Concat axis 1", "Concat", [In("a", 2, 3), In("b", 2, 2), In("c", 2, 4)], (g, x) => g.Concat(1, x));
        yield return new("Concat channels", "Concat", [In("a", 2, 3, 2, 2), In("b", 2, 1, 2, 2)], (g, x) => g.Concat(1, x));
        yield return new("Concat unknown shapes axis -1", "Concat", [In("a", 2, 3), In("b", 2, 5)], (g, x) => g.Concat(-1, x), UnknownShapes: true);
        yield return new("Concat unknown shapes axis 0", "Concat", [In("a", 2, 3), In("b", 1, 3)], (g, x) => g.Concat(0, x), UnknownShapes: true);
        yield return new("Transpose NCHW to NHWC", "Transpose", [In("x", 2, 3, 4, 2)], (g, x) => g.Transpose(x[0], 0, 2, 3, 1));
        yield return new("Transpose default perm", "Transpose", [In("x", 2, 3, 4)],
            (g, x) => g.Op("Transpose", [x[0]], new Dictionary<string, object>()));
        yield return new("Squeeze axis 1", "Squeeze", [In("x", 3, 1, 4)], (g, x) => g.Squeeze(x[0], 1));
        yield return new("Squeeze all unit axes", "Squeeze", [In("x", 1, 3, 1, 2)], (g, x) => g.Squeeze(x[0]));
        yield return new("Unsqueeze axes 0 and 3", "Unsqueeze", [In("x", 2, 3)], (g, x) => g.Unsqueeze(x[0], 0, 3));
        yield return new("Unsqueeze symbolic batch", "Unsqueeze", [In("x", 3, 2)], (g, x) => g.Unsqueeze(x[0], -1), SymbolicBatch: true);
    }

    private static IEnumerable<GradientRuleCase> Selection()
    {
        yield return new("Slice unit steps", "Slice", [In("x", 4, 6)], (g, x) => g.Slice(x[0], [1, 2], [3, 6]));
        yield return new("Slice channels of NCHW", "Slice", [In("x", 2, 4, 3, 3)], (g, x) => g.Slice(x[0], [1], [3], [1]));
        yield return new("Slice negative starts and ends", "Slice", [In("x", 5, 7)], (g, x) => g.Slice(x[0], [-4], [-1], [-1]));
        yield return new("Slice ends past the end", "Slice", [In("x", 3, 5)], (g, x) => g.Slice(x[0], [1, -3], [long.MaxValue, 100], [0, 1]));
        yield return new("Slice steps 2 and 3", "Slice", [In("x", 4, 7)], (g, x) => g.Slice(x[0], [0, 1], [4, 7], [0, 1], [2, 3]));
        yield return new("Slice negative step", "Slice", [In("x", 3, 6)], (g, x) => g.Slice(x[0], [-1], [long.MinValue], [1], [-2]));
        yield return new("Slice reversed rows", "Slice", [In("x", 4, 3)], (g, x) => g.Slice(x[0], [2], [-5], [0], [-1]));
        yield return new("Slice empty", "Slice", [In("x", 3, 4)], (g, x) => g.Concat(1, g.Slice(x[0], [2], [2], [1]), x[0]));
        yield return new("Slice step with symbolic batch", "Slice", [In("x", 3, 8)], (g, x) => g.Slice(x[0], [1], [8], [1], [3]), SymbolicBatch: true);

        yield return new("Gather embedding rows with repeats", "Gather", [In("table", 5, 3)],
            (g, x) => g.Gather(x[0], g.Constant(new long[] { 1, 3, 1, 4, 1, 0 }, 2, 3)));
        yield return new("Gather axis 1 with a negative index", "Gather", [In("data", 3, 4, 2)],
            (g, x) => g.Gather(x[0], g.Constant(new long[] { -1, 0, 2, 0 }, 4), axis: 1));
        yield return new("Gather scalar index", "Gather", [In("data", 4, 3)], (g, x) => g.Gather(x[0], g.ConstantLong(2)));
        yield return new("Gather axis 1 of symbolic batch", "Gather", [In("data", 3, 5)],
            (g, x) => g.Gather(x[0], g.Constant(new long[] { 4, 4, 0 }, 3), axis: 1), SymbolicBatch: true);

        yield return new("Where both branches", "Where", [In("a", 3, 4), In("b", 3, 4)],
            (g, x) => g.Where(Mask(g, [1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], 3, 4), x[0], x[1]));
        yield return new("Where broadcast branches", "Where", [In("a", 4), In("b", 3, 1)],
            (g, x) => g.Where(Mask(g, [1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], 3, 4), x[0], x[1]));

        yield return new("Clip constant bounds", "Clip", [Distinct("x", 4, 5)], (g, x) => g.Clip(x[0], g.Constant(-0.2f), g.Constant(0.3f)));
        yield return new("Clip min only", "Clip", [Distinct("x", 4, 5)], (g, x) => g.Clip(x[0], g.Constant(0.1f), null));
        yield return new("Clip max only", "Clip", [Distinct("x", 4, 5)], (g, x) => g.Clip(x[0], null, g.Constant(-0.1f)));
        // A one-element Distinct input is 0.025: the bounds become −0.2 and 0.3, 0.025 from every x, and get gradients.
        yield return new("Clip bounds as inputs", "Clip", [Distinct("x", 4, 5), Distinct("lo"), Distinct("hi")],
            (g, x) => g.Clip(x[0], g.Sub(x[1], g.Constant(0.225f)), g.Add(x[2], g.Constant(0.275f))));

        yield return new("Cast to double and back", "Cast", [In("x", 3, 4)], (g, x) => g.Cast(g.Cast(x[0], ElementType.Double), ElementType.Float));
        // |x/2| < 1 truncates to 0 as an integer: the integer path adds a constant and passes no gradient.
        yield return new("Cast through int64 passes no gradient", "Cast", [In("x", 3, 4)],
            (g, x) => g.Add(x[0], g.Cast(g.Cast(g.Mul(x[0], g.Constant(0.5f)), ElementType.Int64), ElementType.Float)));
    }

    private static IEnumerable<GradientRuleCase> Activations()
    {
        yield return new("LeakyRelu alpha 0.1", "LeakyRelu", [In("x", 4, 6)], (g, x) => g.LeakyRelu(x[0], 0.1f));
        yield return new("LeakyRelu default alpha", "LeakyRelu", [In("x", 3, 5)], (g, x) => g.Op("LeakyRelu", x[0]));
        yield return new("Elu alpha 0.7", "Elu", [In("x", 4, 6)], (g, x) => g.Elu(x[0], 0.7f));
        yield return new("Erf", "Erf", [In("x", 3, 4)], (g, x) => g.Erf(x[0]));
        yield return new("GELU from Erf", "Erf", [In("x", 3, 4)], (g, x) =>
            g.Mul(g.Mul(x[0], g.Constant(0.5f)), g.Add(g.Constant(1f), g.Erf(g.Div(x[0], g.Constant(MathF.Sqrt(2f)))))));
    }
}
