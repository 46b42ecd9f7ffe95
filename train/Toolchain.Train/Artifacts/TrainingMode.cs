using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Turns a forward graph's inference-form nodes into their training form for the training and
/// train-step graphs: Dropout draws a mask (training_mode = true, mask output for its gradient) and
/// BatchNormalization normalises with batch statistics, and the updated running mean and variance become graph
/// outputs named "&lt;buffer&gt;.next". Eval and export keep the inference form.
/// </summary>
/// <remarks>
/// The node runs with momentum 0, so that its running-statistics outputs are the batch mean and (biased)
/// variance themselves, and the running update m·running + (1 − m)·batch is two Mul and an Add per statistic on
/// [C] next to it: the same arithmetic ONNX Runtime does inside the node. The BatchNormalization gradient reads
/// the batch statistics from those outputs instead of recomputing them with passes over the full input. (A
/// non-finite running statistic would now reach them too, as 0·∞ is NaN; it can only come from a non-finite batch,
/// whose step the trainer skips or stops at.)
/// </remarks>
public static class TrainingMode
{
    /// <summary>Running statistics of BatchNormalization nodes: state the training graph updates but no optimizer touches.</summary>
    public static IReadOnlyList<string> Buffers(GraphProto graph) =>
        graph.Node.Where(n => n.OpType == "BatchNormalization" && n.Input.Count >= 5)
            .SelectMany(n => new[] { n.Input[3], n.Input[4] })
            .Where(name => graph.Initializer.Any(t => t.Name == name))
            .Distinct().ToList();

    /// <summary>Rewrites the graph in place; returns the buffer outputs it added, by buffer name.</summary>
    /// <param name="explicitBatchStatistics">Write batch statistics out as elementary ops (<see cref="ExplicitBatchStatistics"/>)
    /// instead of BatchNormalization's training mode.</param>
    public static IReadOnlyDictionary<string, string> Apply(GraphProto graph, bool explicitBatchStatistics = false)
    {
        var updates = new Dictionary<string, string>(StringComparer.Ordinal);
        // Types are inferred node by node in list order, which rewrites before this one (PoolBeforeRelu) leave unsorted.
        if (explicitBatchStatistics) GraphValidator.SortTopologically(graph);
        var types = explicitBatchStatistics ? GraphBuilder.Extend(graph) : null;
        int dropout = 0;
        foreach (var node in graph.Node.ToList())
        {
            if (node.OpType == "Dropout") EnableDropout(graph, node, dropout++);
            else if (node.OpType == "BatchNormalization" && node.Input.Count >= 5)
            {
                if (types is not null) ExplicitBatchStatistics.Replace(graph, node, RankOf(types, node), updates);
                else EnableBatchStatistics(graph, node, updates);
            }
        }
        return updates;
    }

    private static int RankOf(GraphBuilder types, NodeProto node) =>
        types.TypeOf(new Value(node.Input[0]))?.Shape is { Length: >= 2 } shape ? shape.Length
            : throw new OnnxFormatException($"BatchNormalization '{node.Name}': the rank of its input '{node.Input[0]}' must be known " +
                "(≥ 2) to train it with batch statistics as elementary ops, as the CUDA provider needs");

    private static void EnableDropout(GraphProto graph, NodeProto node, int index)
    {
        while (node.Input.Count < 2) node.Input.Add("");
        if (node.Input[1].Length == 0)
        {
            var ratio = TensorProtos.Floats($"{node.Name}_ratio", [0.5f]);
            graph.Initializer.Add(ratio);
            node.Input[1] = ratio.Name;
        }
        var training = new TensorProto { Name = $"{node.Name}_training_mode", DataType = (int)ElementType.Bool, RawData = Google.Protobuf.ByteString.CopyFrom(1) };
        graph.Initializer.Add(training);
        if (node.Input.Count < 3) node.Input.Add(training.Name); else node.Input[2] = training.Name;
        if (node.Output.Count < 2) node.Output.Add($"{node.Output[0]}_mask");
        // A fixed seed per node makes a run repeatable; ONNX Runtime draws a fresh sequence per session.
        if (!Attributes.Has(node, "seed")) node.Attribute.Add(Attributes.Make("seed", 1000L + index));
    }

    private static void EnableBatchStatistics(GraphProto graph, NodeProto node, Dictionary<string, string> updates)
    {
        var momentum = Attributes.Float(node, "momentum", 0.9f);
        foreach (var name in new[] { "training_mode", "momentum" })
            if (node.Attribute.FirstOrDefault(a => a.Name == name) is { } existing) node.Attribute.Remove(existing);
        node.Attribute.Add(Attributes.Make("training_mode", 1L));
        node.Attribute.Add(Attributes.Make("momentum", 0f));
        while (node.Output.Count < 3) node.Output.Add("");
        node.Output[1] = $"{node.Output[0]}_batch_mean";
        node.Output[2] = $"{node.Output[0]}_batch_variance";
        var running = new[] { node.Input[3], node.Input[4] };
        // At momentum 0 the node's statistics inputs only scale a zero, so it gets a computed zero instead of the buffers:
        // ONNX Runtime writes the batch statistics in place into those inputs, under the running update's reads of the
        // buffers, and a constant there would let its optimizer fold the node into the Conv as an inference-form one.
        var zero = TensorProtos.Floats($"{node.Name}_zero", [0f]);
        graph.Initializer.Add(zero);
        for (int k = 3; k <= 4; k++)
        {
            graph.Node.Add(Node("Mul", $"{node.Input[k]}_unused", node.Input[k], zero.Name));
            node.Input[k] = $"{node.Input[k]}_unused";
        }
        AddRunningUpdates(graph, node.Name, momentum, [(running[0], node.Output[1]), (running[1], node.Output[2])], updates);
    }

    /// <summary>
    /// The running update m·running + (1 − m)·batch of each statistic (both [C]) as a graph output "&lt;running&gt;.next",
    /// recorded in <paramref name="updates"/>: what ONNX Runtime's training-mode BatchNormalization does inside the node.
    /// </summary>
    internal static void AddRunningUpdates(GraphProto graph, string prefix, float momentum, (string Running, string Batch)[] statistics,
        Dictionary<string, string> updates)
    {
        // ONNX Runtime weighs the batch statistic by (1 − momentum) computed in double and used as a float.
        var keep = TensorProtos.Floats($"{prefix}_momentum", [momentum]);
        var take = TensorProtos.Floats($"{prefix}_one_minus_momentum", [(float)(1.0 - momentum)]);
        graph.Initializer.Add(keep);
        graph.Initializer.Add(take);
        foreach (var (running, batch) in statistics)
        {
            var next = ArtifactNames.Next(running);
            graph.Node.Add(Node("Mul", $"{next}_decayed", running, keep.Name));
            graph.Node.Add(Node("Mul", $"{next}_batch_share", batch, take.Name));
            graph.Node.Add(Node("Add", next, $"{next}_decayed", $"{next}_batch_share"));
            updates[running] = next;
        }
    }

    private static NodeProto Node(string op, string output, params string[] inputs)
    {
        var node = new NodeProto { OpType = op, Name = $"{output}_{op}" };
        node.Input.Add(inputs);
        node.Output.Add(output);
        return node;
    }
}
