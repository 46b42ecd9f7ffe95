using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Rewrites Relu → MaxPool into MaxPool → Relu in the graphs the generator builds (training, train step, eval;
/// the exported model keeps its own order). Relu is monotone, so the largest of the rectified window is the
/// rectified largest: the same values exactly. The Relu and its gradient then run on the pooled tensor, a
/// quarter of the elements behind a 2×2 pool (on fashion-cnn the layer-1 Relu and its mask are full passes
/// over 128×32×28×28 otherwise). Gradients agree too: a window whose maximum is not positive gets none either
/// way, and otherwise the same elements hold the maximum.
/// </summary>
public static class PoolBeforeRelu
{
    /// <summary>Rewrites the graph in place (node order is left to a later topological sort); returns how many pairs it swapped.</summary>
    public static int Apply(GraphProto graph)
    {
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = graph.Node.SelectMany(n => n.Input.Where(i => i.Length > 0).Distinct().Select(i => (Input: i, Node: n)))
            .ToLookup(p => p.Input, p => p.Node, StringComparer.Ordinal);
        int swapped = 0;
        foreach (var relu in graph.Node.Where(n => n.OpType == "Relu" && n.Domain is "" or "ai.onnx").ToList())
        {
            var rectified = relu.Output[0];
            if (outputs.Contains(rectified) || consumers[rectified].ToList() is not [var pool]) continue;
            // With its Indices output the pool would point into the rectified tensor's positions all the same, but
            // that output then feeds something that may care which tie was chosen; leave such pools alone.
            if (pool.OpType != "MaxPool" || pool.Domain is not ("" or "ai.onnx") || pool.Input[0] != rectified
                || pool.Output.Skip(1).Any(o => o.Length > 0)) continue;

            var pooled = pool.Output[0];
            var unrectified = $"{pooled}_before_relu";
            while (graph.Node.Any(n => n.Output.Contains(unrectified)) || graph.Initializer.Any(t => t.Name == unrectified)) unrectified += "_";
            pool.Input[0] = relu.Input[0];
            pool.Output[0] = unrectified;
            relu.Input[0] = unrectified;
            relu.Output[0] = pooled;
            foreach (var stale in graph.ValueInfo.Where(v => v.Name == rectified).ToList()) graph.ValueInfo.Remove(stale);
            swapped++;
        }
        return swapped;
    }
}
