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
        ["relu"] = (c, _, x) => c.Graph.Relu(x),
        ["sigmoid"] = (c, _, x) => c.Graph.Sigmoid(x),
        ["tanh"] = (c, _, x) => c.Graph.Tanh(x),
        ["flatten"] = (c, _, x) => c.Graph.Flatten(x),
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
}
