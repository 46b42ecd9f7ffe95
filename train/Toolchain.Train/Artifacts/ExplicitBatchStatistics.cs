using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Training-mode BatchNormalization written out as elementary ops, for execution providers that lack the fused
/// training kernel: ONNX Runtime's CUDA provider rejects training_mode at opset 14 and later. Same outputs as the
/// node (population variance in the normalisation and in the running variance, as ONNX Runtime's CPU kernel
/// computes them); the gradient then comes from the elementary ops' rules. The statistics reduce over every axis
/// but the channel axis 1, so the input's rank must be known.
/// </summary>
public static class ExplicitBatchStatistics
{
    /// <summary>Replaces <paramref name="node"/> in <paramref name="graph"/>; the caller sorts the graph afterwards.</summary>
    /// <param name="rank">The rank of the node's input (≥ 2).</param>
    public static void Replace(GraphProto graph, NodeProto node, int rank, Dictionary<string, string> updates)
    {
        var (x, gamma, beta, runningMean, runningVariance) = (node.Input[0], node.Input[1], node.Input[2], node.Input[3], node.Input[4]);
        float epsilon = Attributes.Float(node, "epsilon", 1e-5f), momentum = Attributes.Float(node, "momentum", 0.9f);
        string prefix = node.Name.Length > 0 ? node.Name : node.Output[0];
        var nodes = new List<NodeProto>();
        string Constant(string hint, TensorProto tensor)
        {
            tensor.Name = $"{prefix}/{hint}";
            graph.Initializer.Add(tensor);
            return tensor.Name;
        }
        string Op(string opType, string hint, params string[] inputs)
        {
            var op = new NodeProto { OpType = opType, Name = $"{prefix}/{hint}" };
            op.Input.AddRange(inputs);
            op.Output.Add($"{prefix}/{hint}");
            nodes.Add(op);
            return op.Output[0];
        }
        string Mean(string hint, string input)
        {
            var mean = Op("ReduceMean", hint, input);
            nodes[^1].Attribute.Add(Attributes.Make("axes", Enumerable.Range(0, rank).Where(a => a != 1).Select(a => (long)a).ToArray()));
            return mean;
        }

        var channelShape = Enumerable.Repeat(1L, rank).ToArray();
        channelShape[1] = -1;
        var perChannel = Constant("per_channel", TensorProtos.Longs("", channelShape, rank));
        var flat = Constant("flat", TensorProtos.Longs("", [-1], 1));
        var mean = Mean("mean", x);
        var centered = Op("Sub", "centered", x, mean);
        var variance = Mean("variance", Op("Mul", "squares", centered, centered));
        var invStd = Op("Div", "inv_std", Constant("one", TensorProtos.Floats("", [1f])),
            Op("Sqrt", "std", Op("Add", "variance_eps", variance, Constant("epsilon", TensorProtos.Floats("", [epsilon])))));
        var scale = Op("Mul", "scale", Op("Reshape", "gamma_per_channel", gamma, perChannel), invStd);
        var y = Op("Add", "y", Op("Mul", "scaled", centered, scale), Op("Reshape", "beta_per_channel", beta, perChannel));
        nodes.Single(n => n.Output.Contains(y)).Output[0] = node.Output[0];

        var batchMean = Op("Reshape", "batch_mean", mean, flat);
        var batchVariance = Op("Reshape", "batch_variance", variance, flat);
        TrainingMode.AddRunningUpdates(graph, prefix, momentum, [(runningMean, batchMean), (runningVariance, batchVariance)], updates);

        graph.Node.Remove(node);
        graph.Node.Add(nodes);
    }
}
