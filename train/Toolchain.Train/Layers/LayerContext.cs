using Toolchain.Graph;

namespace Toolchain.Train.Layers;

/// <summary>What a layer needs while it emits its nodes: the builder, a seeded generator for initial weights, and its position.</summary>
public sealed class LayerContext(GraphBuilder graph, Random random)
{
    public GraphBuilder Graph { get; } = graph;
    public Random Random { get; } = random;
    public int Index { get; set; }

    /// <summary>A trainable parameter drawn from U(−bound, bound), PyTorch's default for Linear and Conv.</summary>
    public Value UniformParameter(string name, double bound, params long[] shape)
    {
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int k = 0; k < data.Length; k++) data[k] = (float)((Random.NextDouble() * 2 - 1) * bound);
        return Graph.Initializer(TensorProtos.Floats(name, data, shape));
    }

    public long FeaturesOf(Value x, string layer)
    {
        var shape = Graph.TypeOf(x)?.Shape;
        if (shape is not { Length: 2 } || !shape[1].IsKnown)
            throw new ArgumentException($"model.layers[{Index}] ({layer}): expected an input of shape [N, features], got {Graph.TypeOf(x)?.ToString() ?? "an unknown shape"}; add a flatten layer before it");
        return shape[1].Size;
    }
}
