using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Export;

/// <summary>The backward slice of a graph: the nodes an output depends on, in topological order.</summary>
public static class GraphSlice
{
    /// <summary>
    /// The nodes <paramref name="output"/> is computed from, and the names of the values they read.
    /// Fails, naming the node, when the output depends on one of <paramref name="forbiddenInputs"/>.
    /// </summary>
    public static (IReadOnlyList<NodeProto> Nodes, IReadOnlySet<string> Reads) Backward(GraphProto graph, string output, IReadOnlySet<string> forbiddenInputs, string source)
    {
        var sorted = graph.Clone();
        GraphValidator.SortTopologically(sorted);
        var needed = new HashSet<string>(StringComparer.Ordinal) { output };
        var kept = new List<NodeProto>();
        bool produced = false;
        for (int k = sorted.Node.Count - 1; k >= 0; k--)
        {
            var node = sorted.Node[k];
            if (!node.Output.Any(needed.Contains)) continue;
            produced |= node.Output.Contains(output);
            kept.Add(node);
            foreach (var name in ReadNames(node))
            {
                if (forbiddenInputs.Contains(name))
                    throw new ExportException($"eval graph '{source}': '{output}' depends on '{name}' through node '{node.Name}' ({node.OpType}); an inference graph cannot read it");
                needed.Add(name);
            }
        }
        if (!produced)
            throw new ExportException($"eval graph '{source}': no node produces '{output}'");
        kept.Reverse();
        return (kept, needed);
    }

    /// <summary>The values a node reads: its inputs and, for control flow, every name its subgraphs read.</summary>
    public static IEnumerable<string> ReadNames(NodeProto node)
    {
        foreach (var input in node.Input)
            if (input.Length > 0) yield return input;
        foreach (var attribute in node.Attribute)
            foreach (var subgraph in attribute.Graphs.Append(attribute.G).OfType<GraphProto>())
                foreach (var inner in subgraph.Node)
                    foreach (var name in ReadNames(inner))
                        yield return name;
    }
}
