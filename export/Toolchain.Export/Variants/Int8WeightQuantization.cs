using Google.Protobuf;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Export.Variants;

/// <summary>
/// The int8 variant as a graph transform: every float32 weight initializer of a Gemm, MatMul or Conv
/// (input B, or Conv's W) is stored as int8 with one float32 scale per output channel and a zero
/// point of 0, and a DequantizeLinear (opset 13+, with axis) turns it back into float32 in front of
/// the node. Activations, biases and every other op stay float32, so accuracy stays close to fp32
/// while the weights take a quarter of the bytes.
/// </summary>
public static class Int8WeightQuantization
{
    /// <summary>Returns a quantised copy of <paramref name="model"/> and the weights it quantised; fails when there are none.</summary>
    public static (ModelProto Model, IReadOnlyList<QuantizedWeight> Weights) Apply(ModelProto model, string source)
    {
        var result = model.Clone();
        var graph = result.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var names = new UniqueNames(graph);
        var dequantized = new Dictionary<(string Name, int Axis), string>();
        var newNodes = new List<NodeProto>();
        var weights = new List<QuantizedWeight>();

        foreach (var node in graph.Node)
        {
            if (WeightAxis(node) is not { } axis) continue;
            var name = node.Input[1];
            // An initializer that is also a graph input can be overridden at run time; it is left as it is.
            if (!initializers.TryGetValue(name, out var weight) || graphInputs.Contains(name) || weight.DataType != (int)ElementType.Float) continue;
            if (axis < 0) axis += weight.Dims.Count;
            if (!dequantized.TryGetValue((name, axis), out var replacement))
            {
                var quantized = PerChannelInt8.Quantize(TensorProtos.ToFloats(weight), weight.Dims.ToArray(), axis, $"{name}' in '{source}");
                replacement = names.Fresh($"{name}.dequantized");
                newNodes.Add(Dequantize(quantized, name, replacement, names, graph));
                dequantized[(name, axis)] = replacement;
                weights.Add(new QuantizedWeight(name, weight.Dims.ToArray(), axis, MaxAbsError(TensorProtos.ToFloats(weight), quantized.Dequantize())));
            }
            node.Input[1] = replacement;
        }
        if (weights.Count == 0)
            throw new ExportException($"model '{source}': the int8 variant found no float32 Gemm, MatMul or Conv weight initializer to quantise");

        for (int k = newNodes.Count - 1; k >= 0; k--) graph.Node.Insert(0, newNodes[k]);
        UnreadInitializers.Remove(graph);
        return (result, weights);
    }

    /// <summary>The output-channel axis of the node's weight input (input 1), or null when the node has no weight to quantise.</summary>
    private static int? WeightAxis(NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx") || node.Input.Count < 2) return null;
        return node.OpType switch
        {
            // Y = A·B (transB 0, B [K, N]) or A·Bᵀ (transB 1, B [N, K]): output channels are B's columns or rows.
            "Gemm" => Attributes.Int(node, "transB", 0) != 0 ? 0 : 1,
            // B [..., K, N]: one output channel per column.
            "MatMul" => -1,
            // W [M, C/group, k...]: one output channel per filter.
            "Conv" => 0,
            _ => null,
        };
    }

    private static NodeProto Dequantize(PerChannelInt8 quantized, string weight, string output, UniqueNames names, GraphProto graph)
    {
        var values = new TensorProto { Name = names.Fresh($"{weight}.int8"), DataType = (int)ElementType.Int8, RawData = ByteString.CopyFrom((byte[])(Array)quantized.Values) };
        values.Dims.AddRange(quantized.Shape);
        var scales = TensorProtos.Floats(names.Fresh($"{weight}.scale"), quantized.Scales, quantized.Scales.Length);
        var zeroPoints = new TensorProto { Name = names.Fresh($"{weight}.zero_point"), DataType = (int)ElementType.Int8, RawData = ByteString.CopyFrom(new byte[quantized.Scales.Length]) };
        zeroPoints.Dims.Add(quantized.Scales.Length);
        graph.Initializer.Add(values);
        graph.Initializer.Add(scales);
        graph.Initializer.Add(zeroPoints);

        var node = new NodeProto { OpType = "DequantizeLinear", Name = names.Fresh($"{weight}.DequantizeLinear") };
        node.Input.AddRange([values.Name, scales.Name, zeroPoints.Name]);
        node.Output.Add(output);
        node.Attribute.Add(Attributes.Make("axis", (long)quantized.Axis));
        return node;
    }

    private static double MaxAbsError(float[] original, float[] restored)
    {
        double worst = 0;
        for (int i = 0; i < original.Length; i++) worst = Math.Max(worst, Math.Abs((double)original[i] - restored[i]));
        return worst;
    }
}
