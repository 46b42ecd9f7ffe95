using Toolchain.Graph;

namespace Toolchain.Train.Losses;

/// <summary>
/// PyTorch's HuberLoss(delta): per element ½d² where |d| ≤ δ and δ(|d| − ½δ) beyond, averaged; d = output − target.
/// Written without a comparison, from ops that have gradient rules: with m = min(|d|, δ) = |d| − relu(|d| − δ),
/// the loss is ½m² + δ·relu(|d| − δ), which is both branches at once.
/// </summary>
public sealed class HuberLoss : ILoss
{
    public HuberLoss(double delta = 1.0)
    {
        if (!(delta > 0) || !double.IsFinite(delta))
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "loss.delta must be a positive number");
        Delta = delta;
    }

    public double Delta { get; }

    public string Name => "huber";

    public TensorType LabelType(TensorType output) => output with { Element = ElementType.Float };

    public Value Build(GraphBuilder g, Value output, Value targets)
    {
        var delta = g.Constant((float)Delta);
        var absolute = g.Abs(g.Sub(output, targets));
        var excess = g.Relu(g.Sub(absolute, delta));
        var inside = g.Sub(absolute, excess);
        var perElement = g.Add(g.Mul(g.Constant(0.5f), g.Mul(inside, inside)), g.Mul(delta, excess));
        return g.ReduceMean(perElement, null, keepDims: false);
    }
}
