using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of ONNX's fused loss operators.</summary>
internal static class LossRules
{
    // SoftmaxCrossEntropyLoss(scores [N, C], labels [N]) → (loss, log_prob):
    // d scores = (softmax − onehot(labels)) · dloss, divided by N for reduction "mean";
    // a gradient reaching log_prob adds LogSoftmax's own: dlp − softmax · Σ dlp.
    public static Value?[] SoftmaxCrossEntropyLoss(GradientContext c)
    {
        var g = c.Graph;
        if (c.HasInput(2)) throw c.Unsupported("class weights are not supported");
        if (Attributes.Has(c.Node, "ignore_index")) throw c.Unsupported("ignore_index is not supported");
        var scores = c.Input(0);
        var type = g.TypeOf(scores);
        if (type?.Shape is not { Length: 2 } shape || !shape[1].IsKnown)
            throw c.Unsupported($"scores must be [N, classes] with a known class count, got {type?.ToString() ?? "an unknown shape"}");
        bool hasLogProb = c.Node.Output.Count > 1 && c.Node.Output[1].Length > 0;
        var probabilities = hasLogProb ? g.Exp(c.Output(1)) : g.Softmax(scores, 1);

        Value? gradient = null;
        if (c.OutputGradient(0) is { } dLoss)
        {
            var oneHot = g.Op("OneHot", c.Input(1), g.ConstantLong(shape[1].Size), g.Constant([0f, 1f], 2));
            var scale = Attributes.String(c.Node, "reduction", "mean") switch
            {
                "mean" => g.Div(dLoss, g.Cast(g.Op("Size", c.Input(1)), ElementType.Float)),
                "sum" => dLoss,
                "none" => g.Unsqueeze(dLoss, 1),
                var other => throw c.Unsupported($"unknown reduction '{other}'"),
            };
            gradient = g.Mul(g.Sub(probabilities, oneHot), scale);
        }
        if (c.OutputGradient(1) is { } dLogProb)
        {
            var own = g.Sub(dLogProb, g.Mul(probabilities, g.ReduceSum(dLogProb, [1], keepDims: true)));
            gradient = gradient is null ? own : g.Add(gradient, own);
        }
        return [gradient, null];
    }
}
