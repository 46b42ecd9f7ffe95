using Toolchain.Onnx.Proto;

namespace Toolchain.Export.Variants;

/// <summary>Hands out value and node names not yet used anywhere in a graph (hint, then hint_1, hint_2, …).</summary>
internal sealed class UniqueNames
{
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public UniqueNames(GraphProto graph)
    {
        used.UnionWith(graph.Input.Select(i => i.Name));
        used.UnionWith(graph.Output.Select(o => o.Name));
        used.UnionWith(graph.ValueInfo.Select(v => v.Name));
        used.UnionWith(graph.Initializer.Select(i => i.Name));
        foreach (var node in graph.Node)
        {
            used.Add(node.Name);
            used.UnionWith(node.Input);
            used.UnionWith(node.Output);
        }
    }

    public string Fresh(string hint)
    {
        var name = hint;
        for (int n = 1; !used.Add(name); n++) name = $"{hint}_{n}";
        return name;
    }
}
