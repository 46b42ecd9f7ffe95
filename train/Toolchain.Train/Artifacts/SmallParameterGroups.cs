using Toolchain.Graph;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Updates small parameters (biases, normalisation scales, small heads) together: their values, gradients and
/// optimizer state are concatenated into one flat tensor each, updated by one set of optimizer nodes, and split
/// back. Every node costs ONNX Runtime a fixed dispatch time of about a microsecond, which for a bias of a hundred
/// elements is most of its update; copying a few thousand floats costs less than the ten or so nodes saved per
/// parameter. Large tensors are updated one by one, where the extra copies would cost more than they save.
/// </summary>
public static class SmallParameterGroups
{
    /// <summary>Parameters up to this many elements are grouped.</summary>
    public const long SmallLimit = 4096;

    /// <summary>
    /// Indices of the parameters to update together, one list per update: small parameters that agree on weight decay
    /// share a list when there are at least two of them, every other parameter has its own.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Plan(IReadOnlyList<ParameterInfo> parameters)
    {
        var plan = new List<IReadOnlyList<int>>();
        var small = new Dictionary<bool, List<int>>();
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].ElementCount <= SmallLimit)
            {
                if (!small.TryGetValue(parameters[i].Decays, out var group)) small[parameters[i].Decays] = group = [];
                group.Add(i);
            }
            else plan.Add([i]);
        }
        foreach (var group in small.Values)
        {
            if (group.Count > 1) plan.Add(group);
            else plan.AddRange(group.Select(i => (IReadOnlyList<int>)[i]));
        }
        return plan;
    }

    /// <summary>The values as one flat tensor (in order).</summary>
    public static Value Concatenate(GraphBuilder g, IReadOnlyList<Value> values, IReadOnlyList<ParameterInfo> parameters)
    {
        var flat = values.Select((v, k) => parameters[k].Shape.Length == 1 ? v : g.Reshape(v, -1)).ToArray();
        var result = g.Concat(0, flat);
        g.Annotate(result, new TensorType(ElementType.Float, [parameters.Sum(p => p.ElementCount)]));
        return result;
    }

    /// <summary>A flat tensor made by <see cref="Concatenate"/> cut back into the parameters' shapes.</summary>
    public static IReadOnlyList<Value> Split(GraphBuilder g, Value flat, IReadOnlyList<ParameterInfo> parameters)
    {
        var sizes = g.ConstantLongs(parameters.Select(p => p.ElementCount).ToArray());
        var parts = g.Node("Split", [flat, sizes], parameters.Count, new Dictionary<string, object> { ["axis"] = 0L });
        return parts.Select((part, k) => parameters[k].Shape.Length == 1 ? part : g.Reshape(part, parameters[k].Shape)).ToList();
    }
}
