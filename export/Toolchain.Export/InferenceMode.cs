using Toolchain.Onnx.Proto;

namespace Toolchain.Export;

/// <summary>
/// Puts training-time ops into their inference behaviour: Dropout becomes Identity, and
/// BatchNormalization normalises with its running statistics (training_mode 0, one output).
/// Fails, naming the node, when the graph uses an output that only exists in training mode.
/// </summary>
public static class InferenceMode
{
    public static void Apply(GraphProto graph, string source)
    {
        var used = UsedNames(graph);
        foreach (var node in graph.Node)
        {
            switch (node.OpType)
            {
                case "Dropout":
                    ExpectUnused(node, 1, used, source, "Dropout's mask");
                    var data = node.Input[0];
                    var output = node.Output[0];
                    node.OpType = "Identity";
                    node.Input.Clear();
                    node.Input.Add(data);
                    node.Output.Clear();
                    node.Output.Add(output);
                    node.Attribute.Clear();
                    break;
                case "BatchNormalization":
                    ExpectUnused(node, 1, used, source, "BatchNormalization's running_mean");
                    ExpectUnused(node, 2, used, source, "BatchNormalization's running_var");
                    while (node.Output.Count > 1) node.Output.RemoveAt(node.Output.Count - 1);
                    var trainingMode = node.Attribute.FirstOrDefault(a => a.Name == "training_mode");
                    if (trainingMode is not null) node.Attribute.Remove(trainingMode);
                    break;
            }
        }
    }

    private static void ExpectUnused(NodeProto node, int output, HashSet<string> used, string source, string what)
    {
        if (output < node.Output.Count && node.Output[output].Length > 0 && used.Contains(node.Output[output]))
            throw new ExportException($"eval graph '{source}': node '{node.Name}' ({node.OpType}) feeds {what} ('{node.Output[output]}') to later nodes or outputs; it does not exist in inference mode");
    }

    /// <summary>Every value a node (or a node of a subgraph) reads, plus the graph outputs.</summary>
    private static HashSet<string> UsedNames(GraphProto graph)
    {
        var used = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in graph.Node) used.UnionWith(GraphSlice.ReadNames(node));
        return used;
    }
}
