using Toolchain.Graph;

namespace Toolchain.Train.Losses;

/// <summary>Mean of |output − target| over every element (PyTorch's L1Loss); targets are float and shaped like the output.</summary>
public sealed class MeanAbsoluteErrorLoss : ILoss
{
    public string Name => "mae";

    public TensorType LabelType(TensorType output) => output with { Element = ElementType.Float };

    public Value Build(GraphBuilder g, Value output, Value targets) =>
        g.ReduceMean(g.Abs(g.Sub(output, targets)), null, keepDims: false);
}
