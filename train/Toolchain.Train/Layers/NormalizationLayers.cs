using Toolchain.Graph;
using Toolchain.Recipes;

namespace Toolchain.Train.Layers;

/// <summary>Normalisation and dropout layers, emitted in their inference form (the artifact generator turns on training behaviour).</summary>
internal static class NormalizationLayers
{
    /// <summary>
    /// Per-channel normalisation of [N, C, …]: parameters <c>&lt;name&gt;.weight</c> (ones) and <c>&lt;name&gt;.bias</c>
    /// (zeros), state <c>&lt;name&gt;.running_mean</c> (zeros) and <c>&lt;name&gt;.running_var</c> (ones). Emitted as an
    /// inference-form BatchNormalization (one output). momentum follows PyTorch (new = (1 − m)·old + m·batch, default
    /// 0.1); ONNX's attribute is the weight of the old value, 1 − m.
    /// </summary>
    public static Value BatchNorm(LayerContext c, LayerSpec spec, Value x)
    {
        var sample = c.SampleShapeOf(x, "batchnorm");
        var channels = sample[0];
        var momentum = spec.Momentum ?? 0.1;
        if (momentum is < 0 or > 1) throw c.Invalid("momentum", "a number in [0, 1]", momentum);
        var name = spec.Name ?? $"batchnorm{c.Index}";
        var scale = c.FilledParameter($"{name}.weight", 1f, channels);
        var bias = c.FilledParameter($"{name}.bias", 0f, channels);
        var mean = c.FilledParameter($"{name}.running_mean", 0f, channels);
        var variance = c.FilledParameter($"{name}.running_var", 1f, channels);
        return c.Graph.BatchNormalization(x, scale, bias, mean, variance, Epsilon(c, spec), (float)(1 - momentum))[0];
    }

    /// <summary>
    /// Normalises each sample over the axes from <c>axis</c> (default −1, the last) to the end, with
    /// <c>&lt;name&gt;.weight</c> (ones) and <c>&lt;name&gt;.bias</c> (zeros; none with bias: false) of those axes' shape.
    /// </summary>
    public static Value LayerNorm(LayerContext c, LayerSpec spec, Value x)
    {
        var sample = c.SampleShapeOf(x, "layernorm");
        int rank = sample.Length + 1;
        var axis = spec.Axis ?? -1;
        if (axis < 0) axis += rank;
        if (axis < 1 || axis >= rank) throw c.Invalid("axis", $"a sample axis, 1 … {rank - 1} or −{rank - 1} … −1", spec.Axis);
        var normalized = sample[(axis - 1)..];
        var name = spec.Name ?? $"layernorm{c.Index}";
        var scale = c.FilledParameter($"{name}.weight", 1f, normalized);
        var bias = spec.Bias ? c.FilledParameter($"{name}.bias", 0f, normalized) : null;
        return c.Graph.LayerNormalization(x, scale, bias, axis, Epsilon(c, spec));
    }

    /// <summary>Dropout with ratio <c>rate</c> (default 0.5) and no training_mode input: the identity at inference.</summary>
    public static Value Dropout(LayerContext c, LayerSpec spec, Value x)
    {
        var rate = spec.Rate ?? 0.5;
        if (rate is < 0 or >= 1) throw c.Invalid("rate", "a number in [0, 1)", rate);
        return c.Graph.Node("Dropout", [x, c.Graph.Constant((float)rate)], 1)[0];
    }

    private static float Epsilon(LayerContext c, LayerSpec spec)
    {
        var eps = spec.Eps ?? 1e-5;
        return eps > 0 ? (float)eps : throw c.Invalid("eps", "a positive number", eps);
    }
}
