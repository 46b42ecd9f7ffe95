using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Brings a forward model — built from a recipe or produced elsewhere (e.g. exported from PyTorch) —
/// into the form the generator expects: one data input named "input" with a symbolic batch
/// dimension, initializers not doubling as graph inputs, nodes in topological order, and only
/// ai.onnx opsets the runtime accepts.
/// </summary>
public static class ForwardModel
{
    public static ModelProto Normalize(ModelProto model, string source)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var foreignDomains = copy.OpsetImport.Where(o => o.Domain is not ("" or "ai.onnx")).Select(o => o.Domain)
            .Concat(graph.Node.Where(n => n.Domain is not ("" or "ai.onnx")).Select(n => $"{n.Domain} (node '{n.Name}', {n.OpType})")).Distinct().ToList();
        if (foreignDomains.Count > 0)
            throw new OnnxFormatException($"forward model '{source}' uses operators outside ai.onnx: {string.Join(", ", foreignDomains)}");
        var opset = copy.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;
        if (opset is < 13 or > GraphBuilder.OpsetVersion)
            throw new OnnxFormatException($"forward model '{source}' imports ai.onnx opset {opset}; Toolchain trains opsets 13 to {GraphBuilder.OpsetVersion}");

        // Older exporters list every initializer as a graph input too; those are weights, not data.
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var duplicate in graph.Input.Where(i => initializers.Contains(i.Name)).ToList()) graph.Input.Remove(duplicate);
        if (graph.Input.Count != 1)
            throw new OnnxFormatException($"forward model '{source}' must have exactly one data input, found {graph.Input.Count}: " +
                string.Join(", ", graph.Input.Select(i => $"'{i.Name}'")));
        if (graph.Output.Count == 0)
            throw new OnnxFormatException($"forward model '{source}' has no outputs");

        var input = graph.Input[0];
        if (input.Name != ArtifactNames.Input) Rename(graph, input.Name, ArtifactNames.Input);
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is { Count: > 0 })
        {
            dims[0].ClearValue();
            dims[0].DimParam = "N";
        }
        var output = graph.Output[0];
        if (output.Type?.TensorType?.Shape?.Dim is { Count: > 0 } outputDims)
        {
            outputDims[0].ClearValue();
            outputDims[0].DimParam = "N";
        }
        GraphValidator.SortTopologically(graph);
        GraphValidator.ThrowIfInvalid(graph, source);
        copy.OpsetImport.Clear();
        copy.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = GraphBuilder.OpsetVersion });
        return copy;
    }

    private static void Rename(GraphProto graph, string from, string to)
    {
        if (graph.Node.Any(n => n.Output.Contains(to)) || graph.Initializer.Any(t => t.Name == to))
            throw new OnnxFormatException($"cannot rename the data input '{from}' to '{to}': the graph already uses that name");
        graph.Input[0].Name = to;
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == from) node.Input[i] = to;
        foreach (var o in graph.Output) if (o.Name == from) o.Name = to;
    }
}
