using Toolchain.Graph;

namespace Toolchain.Train.Losses;

/// <summary>
/// Softmax cross-entropy over logits [N, C] with integer class labels [N], optionally with label
/// smoothing (targets (1 − ε)·onehot + ε/C, as PyTorch's CrossEntropyLoss(label_smoothing=ε)). Without smoothing it
/// is ONNX's SoftmaxCrossEntropyLoss, whose gradient is one short chain instead of differentiating the pieces.
/// </summary>
public sealed class CrossEntropyLoss : ILoss
{
    public CrossEntropyLoss(double labelSmoothing = 0)
    {
        if (labelSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "loss.label_smoothing must be in [0, 1)");
        LabelSmoothing = labelSmoothing;
    }

    public double LabelSmoothing { get; }

    public string Name => "cross_entropy";

    public TensorType LabelType(TensorType output) => new(ElementType.Int64, output.Shape is { Length: > 0 } s ? [s[0]] : [Dim.Named("N")]);

    public Value Build(GraphBuilder g, Value logits, Value labels)
    {
        var classes = g.TypeOf(logits)?.Shape is { Length: 2 } s && s[1].IsKnown ? s[1].Size
            : throw new ArgumentException($"cross_entropy needs logits of shape [N, classes] with a known class count, got {g.TypeOf(logits)}");
        if (LabelSmoothing == 0)
        {
            // ONNX's fused loss: one node forward, and its gradient rule reuses the log-probabilities.
            var fused = g.Node("SoftmaxCrossEntropyLoss", [logits, labels], outputCount: 2, new Dictionary<string, object> { ["reduction"] = "mean" });
            return fused[0];
        }
        var logProbabilities = g.LogSoftmax(logits, axis: 1);
        float on = (float)(1 - LabelSmoothing + LabelSmoothing / classes);
        float off = (float)(LabelSmoothing / classes);
        var targets = g.Op("OneHot", labels, g.ConstantLong(classes), g.Constant([off, on], 2));
        var perSample = g.ReduceSum(g.Mul(targets, logProbabilities), [1], keepDims: false);
        return g.Neg(g.ReduceMean(perSample, null, keepDims: false));
    }
}
