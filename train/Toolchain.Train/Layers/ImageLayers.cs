using Toolchain.Graph;
using Toolchain.Recipes;

namespace Toolchain.Train.Layers;

/// <summary>Layers over [N, C, H, W] images: convolution, pooling, and the reshape that makes an image of a sample.</summary>
internal static class ImageLayers
{
    /// <summary>y = W ⋆ x + b with W [filters, C/groups, k, k] (PyTorch's layout), W and b drawn from U(±1/√fan_in).</summary>
    public static Value Conv2d(LayerContext c, LayerSpec spec, Value x)
    {
        var (channels, height, width) = c.ImageShapeOf(x, "conv2d");
        var filters = c.Positive(spec.Filters, "filters", "conv2d");
        var kernel = c.Positive(spec.Kernel, "kernel", "conv2d");
        var groups = spec.Groups ?? 1;
        if (groups <= 0 || channels % groups != 0 || filters % groups != 0)
            throw c.Invalid("groups", $"a positive divisor of the input channels ({channels}) and of filters ({filters})", groups);
        var window = Window(c, spec, "conv2d", kernel, height, width, defaultStride: 1);
        var name = spec.Name ?? $"conv{c.Index}";
        var bound = 1 / Math.Sqrt(channels / groups * kernel * kernel);
        var weight = c.UniformParameter($"{name}.weight", bound, filters, channels / groups, kernel, kernel);
        var bias = spec.Bias ? c.UniformParameter($"{name}.bias", bound, filters) : null;
        return c.Graph.Conv(x, weight, bias, window.Strides, window.Pads, window.Dilations, groups);
    }

    /// <summary>The largest element of each k×k window; stride defaults to the kernel, as in PyTorch.</summary>
    public static Value MaxPool2d(LayerContext c, LayerSpec spec, Value x)
    {
        var (_, height, width) = c.ImageShapeOf(x, "maxpool2d");
        var kernel = c.Positive(spec.Kernel, "kernel", "maxpool2d");
        var window = Window(c, spec, "maxpool2d", kernel, height, width, defaultStride: kernel);
        return c.Graph.MaxPool(x, [kernel, kernel], window.Strides, window.Pads, window.Dilations);
    }

    /// <summary>The mean of each k×k window; padded zeros count unless count_include_pad is false (PyTorch's default: they count).</summary>
    public static Value AvgPool2d(LayerContext c, LayerSpec spec, Value x)
    {
        var (_, height, width) = c.ImageShapeOf(x, "avgpool2d");
        var kernel = c.Positive(spec.Kernel, "kernel", "avgpool2d");
        if (spec.Dilation is not (null or 1)) throw c.Invalid("dilation", "1 (AveragePool has no dilation in opset 17)", spec.Dilation);
        var window = Window(c, spec, "avgpool2d", kernel, height, width, defaultStride: kernel);
        return c.Graph.AveragePool(x, [kernel, kernel], window.Strides, window.Pads, spec.CountIncludePad ?? true);
    }

    /// <summary>Reshapes each sample to <c>shape</c>, keeping the batch: [N, 784] with shape [1, 28, 28] → [N, 1, 28, 28].</summary>
    public static Value Reshape(LayerContext c, LayerSpec spec, Value x)
    {
        var shape = spec.Shape is { Count: > 0 } s ? s : throw new ArgumentException($"model.layers[{c.Index}] (reshape): 'shape' is required");
        var sample = c.SampleShapeOf(x, "reshape");
        long from = sample.Aggregate(1L, (a, b) => a * b), to = shape.Aggregate(1L, (a, b) => a * b);
        if (shape.Any(d => d <= 0) || from != to)
            throw c.Invalid("shape", $"positive sizes holding the {from} elements of a sample [{string.Join(", ", sample)}]", $"[{string.Join(", ", shape)}]");
        return c.Graph.Reshape(x, [0, .. shape]);
    }

    private sealed record WindowSettings(long[] Strides, long[] Pads, long[] Dilations);

    /// <summary>
    /// Stride, dilation and explicit pads from the keys; <c>padding: same</c> pads so the output is ⌈size/stride⌉
    /// (the odd pixel at the end, as SAME_UPPER), <c>valid</c> pads nothing. Checks that the window fits.
    /// </summary>
    private static WindowSettings Window(LayerContext c, LayerSpec spec, string layer, int kernel, long height, long width, int defaultStride)
    {
        var stride = spec.Stride ?? defaultStride;
        var dilation = spec.Dilation ?? 1;
        if (stride <= 0) throw c.Invalid("stride", "a positive integer", stride);
        if (dilation <= 0) throw c.Invalid("dilation", "a positive integer", dilation);
        long extent = (long)dilation * (kernel - 1) + 1;
        long[] sizes = [height, width];
        var pads = new long[4];
        switch (spec.Padding?.Trim().ToLowerInvariant())
        {
            case null or "valid":
                break;
            case "same":
                for (int k = 0; k < 2; k++)
                {
                    long output = (sizes[k] + stride - 1) / stride;
                    long total = Math.Max(0, (output - 1) * stride + extent - sizes[k]);
                    (pads[k], pads[2 + k]) = (total / 2, total - total / 2);
                }
                break;
            case var text when int.TryParse(text, out var p) && p >= 0:
                if (layer != "conv2d" && 2 * p > extent)
                    throw c.Invalid("padding", $"at most half the window ({extent / 2}) for {layer}", p);
                Array.Fill(pads, p);
                break;
            default:
                throw c.Invalid("padding", "a non-negative integer, same or valid", spec.Padding);
        }
        for (int k = 0; k < 2; k++)
            if (sizes[k] + pads[k] + pads[2 + k] < extent)
                throw c.Invalid("kernel", $"a window that fits the {height}x{width} input with its padding", $"{kernel} (dilation {dilation})");
        return new([stride, stride], pads, [dilation, dilation]);
    }
}
