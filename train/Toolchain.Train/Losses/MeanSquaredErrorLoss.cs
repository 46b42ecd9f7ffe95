using Toolchain.Graph;

namespace Toolchain.Train.Losses;

/// <summary>Mean of (output − target)² over every element; targets are float and shaped like the output.</summary>
public sealed class MeanSquaredErrorLoss : ILoss
{
    public string Name => "mse";

    public TensorType LabelType(TensorType output) => output with { Element = ElementType.Float };

    public Value Build(GraphBuilder g, Value output, Value targets)
    {
        var difference = g.Sub(output, targets);
        return g.ReduceMean(g.Mul(difference, difference), null, keepDims: false);
    }
}
