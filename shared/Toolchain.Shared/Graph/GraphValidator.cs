using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Graph;

/// <summary>Structural checks of a graph: every value defined once and before use, every output produced.</summary>
public static class GraphValidator
{
    public static IReadOnlyList<string> Problems(GraphProto graph)
    {
        var problems = new List<string>();
        var defined = new HashSet<string>(StringComparer.Ordinal);
        void Define(string name, string what)
        {
            if (name.Length == 0) return;
            if (!defined.Add(name)) problems.Add($"value '{name}' is defined more than once ({what})");
        }
        foreach (var input in graph.Input) Define(input.Name, "graph input");
        foreach (var init in graph.Initializer)
            if (!graph.Input.Any(i => i.Name == init.Name)) Define(init.Name, "initializer");
        foreach (var node in graph.Node)
        {
            if (string.IsNullOrEmpty(node.OpType)) problems.Add($"node '{node.Name}' has no op_type");
            foreach (var input in node.Input)
                if (input.Length > 0 && !defined.Contains(input))
                    problems.Add($"node '{node.Name}' ({node.OpType}) uses '{input}' before it is defined");
            foreach (var output in node.Output) Define(output, $"output of node '{node.Name}'");
        }
        foreach (var output in graph.Output)
            if (!defined.Contains(output.Name)) problems.Add($"graph output '{output.Name}' is never produced");
        return problems;
    }

    public static void ThrowIfInvalid(GraphProto graph, string context)
    {
        var problems = Problems(graph);
        if (problems.Count > 0)
            throw new OnnxFormatException($"graph '{context}' is invalid:\n  " + string.Join("\n  ", problems));
    }

    /// <summary>Puts nodes in topological order (imported graphs are not always stored that way).</summary>
    public static void SortTopologically(GraphProto graph)
    {
        var available = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(i => i.Name)), StringComparer.Ordinal) { "" };
        var pending = graph.Node.ToList();
        var ordered = new List<NodeProto>(pending.Count);
        while (pending.Count > 0)
        {
            int before = ordered.Count;
            for (int k = 0; k < pending.Count; k++)
            {
                var node = pending[k];
                if (!node.Input.All(available.Contains)) continue;
                ordered.Add(node);
                foreach (var o in node.Output) available.Add(o);
                pending.RemoveAt(k--);
            }
            if (ordered.Count == before)
                throw new OnnxFormatException($"graph '{graph.Name}' has a cycle or undefined inputs at nodes: " +
                    string.Join(", ", pending.Take(10).Select(n => $"'{n.Name}' ({n.OpType})")));
        }
        graph.Node.Clear();
        graph.Node.AddRange(ordered);
    }
}
