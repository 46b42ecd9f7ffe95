using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Turns a forward graph's inference-form nodes into their training form for the training and
/// train-step graphs: Dropout draws a mask (training_mode = true, mask output for its gradient) and
/// BatchNormalization normalises with batch statistics and also outputs the updated running mean and
/// variance, which become graph outputs named "&lt;buffer&gt;.next". Eval and export keep the inference form.
/// </summary>
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
        var types = explicitBatchStatistics ? GraphBuilder.Extend(graph) : null;
        int dropout = 0;
        foreach (var node in graph.Node.ToList())
        {
            if (node.OpType == "Dropout") EnableDropout(graph, node, dropout++);
            else if (node.OpType == "BatchNormalization" && node.Input.Count >= 5)
            {
                if (types is not null) ExplicitBatchStatistics.Replace(graph, node, RankOf(types, node), updates);
                else EnableBatchStatistics(node, updates);
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

    private static void EnableBatchStatistics(NodeProto node, Dictionary<string, string> updates)
    {
        var existing = node.Attribute.FirstOrDefault(a => a.Name == "training_mode");
        if (existing is not null) node.Attribute.Remove(existing);
        node.Attribute.Add(Attributes.Make("training_mode", 1L));
        while (node.Output.Count < 3) node.Output.Add("");
        node.Output[1] = ArtifactNames.Next(node.Input[3]);
        node.Output[2] = ArtifactNames.Next(node.Input[4]);
        updates[node.Input[3]] = node.Output[1];
        updates[node.Input[4]] = node.Output[2];
    }
}
