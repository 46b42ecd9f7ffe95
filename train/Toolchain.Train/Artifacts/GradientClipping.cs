using Toolchain.Graph;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Gradient clipping as graph nodes in front of the optimizer update: element-wise by value, and by
/// the global L2 norm over every gradient (PyTorch's clip_grad_norm_: scale by min(1, max/(norm + 1e-6))).
/// </summary>
public sealed record GradientClipping(double Value, double MaxNorm)
{
    public static readonly GradientClipping None = new(0, 0);

    /// <param name="norm">The global norm of <paramref name="gradients"/> where the graph computes it already.</param>
    public IReadOnlyList<Value> Apply(GraphBuilder g, IReadOnlyList<Value> gradients, Value? norm = null)
    {
        var clipped = gradients;
        if (Value > 0)
        {
            var low = g.Constant((float)-Value);
            var high = g.Constant((float)Value);
            clipped = clipped.Select(grad => g.Op("Clip", grad, low, high)).ToList();
        }
        if (MaxNorm > 0)
        {
            norm ??= GlobalNorm(g, clipped);
            var scale = g.Op("Min", g.Constant(1f), g.Div(g.Constant((float)MaxNorm), g.Add(norm, g.Constant(1e-6f))));
            clipped = clipped.Select(grad => g.Mul(grad, scale)).ToList();
        }
        return clipped;
    }

    /// <summary>The L2 norm over every element of every gradient.</summary>
    public static Value GlobalNorm(GraphBuilder g, IReadOnlyList<Value> gradients)
    {
        var squares = gradients.Select(grad => g.Op("ReduceSumSquare", [grad], new Dictionary<string, object> { ["keepdims"] = 0L })).ToList();
        return g.Sqrt(squares.Skip(1).Aggregate(squares[0], g.Add));
    }
}
