using Toolchain.Onnx.Proto;

namespace Toolchain.Export.Variants;

/// <summary>Drops initializers that no node, subgraph or graph output reads any more (the weights a transform replaced).</summary>
internal static class UnreadInitializers
{
    public static void Remove(GraphProto graph)
    {
        var read = graph.Node.SelectMany(GraphSlice.ReadNames).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        for (int k = graph.Initializer.Count - 1; k >= 0; k--)
            if (!read.Contains(graph.Initializer[k].Name) && !inputs.Contains(graph.Initializer[k].Name))
                graph.Initializer.RemoveAt(k);
    }
}
