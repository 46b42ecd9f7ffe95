using Toolchain.Graph;
using Toolchain.Recipes;

namespace Toolchain.Train.Layers;

/// <summary>The layer vocabulary of recipes: each type emits standard ONNX ops that have gradient rules.</summary>
public static class LayerFactory
{
    private delegate Value Emit(LayerContext context, LayerSpec spec, Value x);

    private static readonly Dictionary<string, Emit> Registry = new()
    {
        ["linear"] = Linear,
        ["embedding"] = Embedding,
        ["relu"] = (c, _, x) => c.Graph.Relu(x),
        ["sigmoid"] = (c, _, x) => c.Graph.Sigmoid(x),
        ["tanh"] = (c, _, x) => c.Graph.Tanh(x),
        ["leaky_relu"] = (c, spec, x) => c.Graph.LeakyRelu(x, (float)(spec.Alpha ?? 0.01)),
        ["elu"] = (c, spec, x) => c.Graph.Elu(x, (float)(spec.Alpha ?? 1.0)),
        ["gelu"] = Gelu,
        ["softmax"] = (c, spec, x) => c.Graph.Softmax(x, spec.Axis ?? -1),
        ["flatten"] = (c, _, x) => c.Graph.Flatten(x),
        ["reshape"] = ImageLayers.Reshape,
        ["conv2d"] = ImageLayers.Conv2d,
        ["maxpool2d"] = ImageLayers.MaxPool2d,
        ["avgpool2d"] = ImageLayers.AvgPool2d,
        ["global_avgpool"] = (c, _, x) => { c.ImageShapeOf(x, "global_avgpool"); return c.Graph.GlobalAveragePool(x); },
        ["batchnorm"] = NormalizationLayers.BatchNorm,
        ["layernorm"] = NormalizationLayers.LayerNorm,
        ["dropout"] = NormalizationLayers.Dropout,
    };

    public static IReadOnlyCollection<string> Names => Registry.Keys;

    public static Value Apply(LayerContext context, LayerSpec spec, Value x)
    {
        if (!Registry.TryGetValue(spec.Type, out var emit))
            throw new RecipeException($"model.layers[{context.Index}].type: expected one of {string.Join(", ", Registry.Keys)}, got '{spec.Type}'");
        try { return emit(context, spec, x); }
        catch (ArgumentException e) { throw new RecipeException(e.Message, e); }
    }

    /// <summary>y = x·Wᵀ + b with W [units, in], PyTorch's layout, as one Gemm.</summary>
    private static Value Linear(LayerContext c, LayerSpec spec, Value x)
    {
        var units = spec.Units ?? throw new ArgumentException($"model.layers[{c.Index}] (linear): 'units' is required");
        if (units <= 0) throw new ArgumentException($"model.layers[{c.Index}].units: expected a positive integer, got {units}");
        var features = c.FeaturesOf(x, "linear");
        var name = spec.Name ?? $"linear{c.Index}";
        var bound = 1 / Math.Sqrt(features);
        var weight = c.UniformParameter($"{name}.weight", bound, units, features);
        var bias = spec.Bias ? c.UniformParameter($"{name}.bias", bound, units) : null;
        return c.Graph.Gemm(x, weight, bias, transB: true);
    }

    /// <summary>
    /// Row lookup: the input holds token ids (as floats, exact below 2²⁴), cast to int64 and gathered from a table
    /// [num_embeddings, embedding_dim] drawn from N(0, 1) as PyTorch does; [N, …] → [N, …, embedding_dim].
    /// </summary>
    private static Value Embedding(LayerContext c, LayerSpec spec, Value x)
    {
        var rows = c.Positive(spec.NumEmbeddings, "num_embeddings", "embedding");
        var width = c.Positive(spec.EmbeddingDim, "embedding_dim", "embedding");
        var table = c.NormalParameter($"{spec.Name ?? $"embedding{c.Index}"}.weight", 1.0, rows, width);
        return c.Graph.Gather(table, c.Graph.Cast(x, ElementType.Int64));
    }

    /// <summary>GELU, exactly: 0.5·x·(1 + erf(x/√2)) (Gelu itself is not in opset 17).</summary>
    private static Value Gelu(LayerContext c, LayerSpec _, Value x)
    {
        var g = c.Graph;
        var cdf = g.Add(g.Constant(1f), g.Erf(g.Mul(x, g.Constant((float)(1 / Math.Sqrt(2))))));
        return g.Mul(g.Mul(x, g.Constant(0.5f)), cdf);
    }
}
