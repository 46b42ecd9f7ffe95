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

    /// <summary>A parameter drawn from N(0, std²) (Box–Muller), PyTorch's default for Embedding.</summary>
    public Value NormalParameter(string name, double std, params long[] shape)
    {
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int k = 0; k < data.Length; k++)
            data[k] = (float)(std * Math.Sqrt(-2 * Math.Log(1 - Random.NextDouble())) * Math.Cos(2 * Math.PI * Random.NextDouble()));
        return Graph.Initializer(TensorProtos.Floats(name, data, shape));
    }

    /// <summary>An initializer with every element <paramref name="value"/> (normalisation scales, shifts and statistics).</summary>
    public Value FilledParameter(string name, float value, params long[] shape) =>
        Graph.Initializer(TensorProtos.Floats(name, Enumerable.Repeat(value, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray(), shape));

    public long FeaturesOf(Value x, string layer)
    {
        var shape = Graph.TypeOf(x)?.Shape;
        if (shape is not { Length: 2 } || !shape[1].IsKnown)
            throw new ArgumentException($"model.layers[{Index}] ({layer}): expected an input of shape [N, features], got {Graph.TypeOf(x)?.ToString() ?? "an unknown shape"}; add a flatten layer before it");
        return shape[1].Size;
    }

    /// <summary>Channels, height and width of an [N, C, H, W] input, which image layers need statically.</summary>
    public (long Channels, long Height, long Width) ImageShapeOf(Value x, string layer)
    {
        var shape = Graph.TypeOf(x)?.Shape;
        if (shape is not { Length: 4 } || !shape[1..].All(d => d.IsKnown))
            throw new ArgumentException($"model.layers[{Index}] ({layer}): expected an input of shape [N, channels, height, width], got {Graph.TypeOf(x)?.ToString() ?? "an unknown shape"}; add a reshape layer before it, e.g. {{ type: reshape, shape: [1, 28, 28] }}");
        return (shape[1].Size, shape[2].Size, shape[3].Size);
    }

    /// <summary>The sample dimensions of x (all but the batch), which must be known.</summary>
    public long[] SampleShapeOf(Value x, string layer)
    {
        var shape = Graph.TypeOf(x)?.Shape;
        if (shape is not { Length: > 1 } || !shape[1..].All(d => d.IsKnown))
            throw new ArgumentException($"model.layers[{Index}] ({layer}): expected an input of shape [N, …] with known sample dimensions, got {Graph.TypeOf(x)?.ToString() ?? "an unknown shape"}");
        return shape[1..].Select(d => d.Size).ToArray();
    }

    /// <summary>The value of a required positive integer key.</summary>
    public int Positive(int? value, string key, string layer) => value switch
    {
        null => throw new ArgumentException($"model.layers[{Index}] ({layer}): '{key}' is required"),
        <= 0 => throw Invalid(key, "a positive integer", value),
        _ => value.Value,
    };

    /// <summary>The error for a key whose value is out of range: names the key, the expected and the actual value.</summary>
    public ArgumentException Invalid(string key, string expected, object? actual) =>
        new($"model.layers[{Index}].{key}: expected {expected}, got {actual ?? "nothing"}");
}
