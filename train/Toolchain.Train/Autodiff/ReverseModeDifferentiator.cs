using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation over an ONNX graph: walks the nodes between the
/// parameters and the loss in reverse topological order, applies each op's rule from
/// <see cref="GradientRules"/>, and sums gradients where a value fans out.
/// </summary>
public static class ReverseModeDifferentiator
{
    /// <summary>Emits the gradient of scalar <paramref name="loss"/> with respect to each of <paramref name="parameters"/>.</summary>
    public static IReadOnlyDictionary<string, Value> Gradients(GraphBuilder g, Value loss, IReadOnlyList<Value> parameters,
        IReadOnlyDictionary<string, GradientRule>? rules = null)
    {
        rules ??= GradientRules.Table;
        var nodes = g.Graph.Node.ToList();
        var consumers = nodes.SelectMany(n => n.Input.Where(i => i.Length > 0).Distinct().Select(i => (Input: i, Node: n)))
            .ToLookup(p => p.Input, p => p.Node, StringComparer.Ordinal);
        var path = NodesBetween(g, nodes, parameters.Select(p => p.Name), loss.Name);

        var missing = path.Where(n => !rules.ContainsKey(n.OpType)).ToList();
        if (missing.Count > 0)
            throw new GradientException($"no gradient rule for {missing.Select(n => n.OpType).Distinct().Count()} op type(s): " +
                string.Join("; ", missing.GroupBy(n => n.OpType).Select(group =>
                    $"{group.Key} (nodes {string.Join(", ", group.Select(n => $"'{n.Name}'"))})")));

        var influenced = Influenced(g, nodes, parameters.Select(p => p.Name));
        var gradients = new Dictionary<string, Value>(StringComparer.Ordinal)
        {
            [loss.Name] = g.TypeOf(loss)?.Shape is { Length: 0 } ? g.Constant(1f) : OnesLike(g, loss),
        };
        g.Annotate(gradients[loss.Name], g.TypeOf(loss));
        for (int k = path.Count - 1; k >= 0; k--)
        {
            var node = path[k];
            var incoming = node.Output.Select(o => gradients.GetValueOrDefault(o)).ToList();
            if (incoming.All(v => v is null)) continue;
            var inputGradients = rules[node.OpType](new GradientContext(g, node, incoming, consumers));
            // Rules return a slot per possible input; omitted trailing optional inputs simply get none.
            for (int i = 0; i < Math.Min(inputGradients.Length, node.Input.Count); i++)
            {
                var name = node.Input[i];
                if (inputGradients[i] is not { } gradient || name.Length == 0 || !influenced.Contains(name)) continue;
                g.Annotate(gradient, g.TypeOf(new Value(name)));
                gradients[name] = gradients.TryGetValue(name, out var sum) ? g.Add(sum, gradient) : gradient;
            }
        }
        return parameters.ToDictionary(p => p.Name, p => gradients.GetValueOrDefault(p.Name) ?? ZerosLike(g, p), StringComparer.Ordinal);
    }

    /// <summary>
    /// Values that depend differentiably on any of the sources (the sources included). Integer and
    /// boolean values (comparisons, shapes, indices) carry no gradient, so they stop the spread.
    /// </summary>
    private static HashSet<string> Influenced(GraphBuilder g, IEnumerable<NodeProto> nodes, IEnumerable<string> sources)
    {
        var influenced = new HashSet<string>(sources, StringComparer.Ordinal);
        foreach (var node in nodes)
            if (node.Input.Any(influenced.Contains))
                foreach (var o in node.Output)
                    if (o.Length > 0 && IsDifferentiable(g.TypeOf(new Value(o)))) influenced.Add(o);
        return influenced;
    }

    private static bool IsDifferentiable(TensorType? type) =>
        type is null || type.Element is ElementType.Float or ElementType.Double or ElementType.Float16;

    /// <summary>Nodes, in graph order, that depend on a source and that the target depends on.</summary>
    private static List<NodeProto> NodesBetween(GraphBuilder g, List<NodeProto> nodes, IEnumerable<string> sources, string target)
    {
        var influenced = Influenced(g, nodes, sources);
        var needed = new HashSet<string>(StringComparer.Ordinal) { target };
        var onPath = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        for (int k = nodes.Count - 1; k >= 0; k--)
        {
            var node = nodes[k];
            if (!node.Output.Any(needed.Contains) || !node.Input.Any(influenced.Contains)) continue;
            onPath.Add(node);
            foreach (var i in node.Input) needed.Add(i);
        }
        return nodes.Where(onPath.Contains).ToList();
    }

    private static Value OnesLike(GraphBuilder g, Value x) =>
        g.Op("ConstantOfShape", [g.Shape(x)], new Dictionary<string, object> { ["value"] = TensorProtos.Floats("one", [1f], 1) });

    private static Value ZerosLike(GraphBuilder g, Value x) =>
        g.Op("ConstantOfShape", [g.Shape(x)], new Dictionary<string, object> { ["value"] = TensorProtos.Floats("zero", [0f], 1) });
}
