using Toolchain.Graph;

namespace Toolchain.Train.Losses;

/// <summary>
/// Binary cross-entropy on logits with float 0/1 targets, in the overflow-free form
/// max(x, 0) − x·y + log(1 + exp(−|x|)), as PyTorch's BCEWithLogitsLoss computes it.
/// </summary>
public sealed class BinaryCrossEntropyWithLogitsLoss : ILoss
{
    public string Name => "bce_with_logits";

    public TensorType LabelType(TensorType output) => output with { Element = ElementType.Float };

    public Value Build(GraphBuilder g, Value logits, Value targets)
    {
        var softplusOfNegAbs = g.Log(g.Add(g.Constant(1f), g.Exp(g.Neg(g.Abs(logits)))));
        var perElement = g.Add(g.Sub(g.Relu(logits), g.Mul(logits, targets)), softplusOfNegAbs);
        return g.ReduceMean(perElement, null, keepDims: false);
    }
}
