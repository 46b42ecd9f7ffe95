using Toolchain.Onnx.Proto;

namespace Toolchain.Graph;

/// <summary>
/// Static type and shape inference for the ops Toolchain generates and differentiates. Unknown ops
/// or unknown input shapes yield null, and callers fall back to run-time shape computations.
/// </summary>
public static class ShapeInference
{
    private delegate TensorType?[] Rule(NodeProto node, TensorType?[] inputs, Func<string, TensorProto?> constantOf);

    private static readonly HashSet<string> SameAsFirstInput =
    [
        "Identity", "Relu", "Sigmoid", "Tanh", "Neg", "Exp", "Log", "Sqrt", "Abs", "Reciprocal", "Softmax",
        "LogSoftmax", "LeakyRelu", "Elu", "Selu", "Erf", "Sign", "Clip", "Floor", "Ceil", "Round", "Softplus",
        "HardSigmoid", "Gelu", "Sin", "Cos", "Not", "ScatterElements", "ConstantOfShapeLike",
    ];

    private static readonly HashSet<string> Broadcasting = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu"];

    private static readonly HashSet<string> Comparisons = ["Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor"];

    private static readonly Dictionary<string, Rule> Rules = new()
    {
        ["MatMul"] = (_, i, _) => [MatMul(i[0], i[1])],
        ["Gemm"] = (n, i, _) => [Gemm(n, i)],
        ["Reshape"] = (_, i, c) => [Reshape(i[0], i.Length > 1 ? c : null, i)],
        ["Flatten"] = (n, i, _) => [Flatten(i[0], Attributes.Int(n, "axis", 1))],
        ["ReduceSum"] = (n, i, c) => [ReduceWithAxesInput(n, i[0], c)],
        ["ReduceMean"] = (n, i, _) => [Reduce(n, i[0], Attributes.Ints(n, "axes"))],
        ["ReduceMax"] = (n, i, _) => [Reduce(n, i[0], Attributes.Ints(n, "axes"))],
        ["Transpose"] = (n, i, _) => [Transpose(i[0], Attributes.Ints(n, "perm"))],
        ["Cast"] = (n, i, _) => [i[0] is null ? null : new TensorType((ElementType)Attributes.Int(n, "to", 1), i[0]!.Shape)],
        ["Shape"] = (n, i, _) => [ShapeOf(n, i[0])],
        ["Size"] = (_, _, _) => [new TensorType(ElementType.Int64, [])],
        ["ArgMax"] = (n, i, _) => [Reduce(n, i[0], [Attributes.Int(n, "axis", 0)]) is { } t ? t with { Element = ElementType.Int64 } : null],
        ["Where"] = (_, i, _) => [Broadcast(i[1]?.Element, i)],
        ["OneHot"] = (n, i, c) => [OneHot(n, i, c)],
        ["Unsqueeze"] = (n, i, c) => [Unsqueeze(n, i[0], c)],
        ["Expand"] = (n, i, c) => [Expand(n, i[0], c)],
        ["ConstantOfShape"] = (n, _, c) => [ConstantOfShape(n, c)],
        ["Conv"] = (n, i, _) => [Conv(n, i)],
        ["ConvTranspose"] = (n, i, _) => [ConvTranspose(n, i)],
        ["MaxPool"] = (n, i, _) => [Pool(n, i[0]), Pool(n, i[0]) is { } y ? y with { Element = ElementType.Int64 } : null],
        ["AveragePool"] = (n, i, _) => [Pool(n, i[0])],
        ["GlobalAveragePool"] = (_, i, _) => [i[0]?.Shape is { Length: > 2 } s ? i[0]! with { Shape = [s[0], s[1], .. s[2..].Select(_ => (Dim)1)] } : i[0]],
        ["BatchNormalization"] = (_, i, _) => [i[0], Arg(i, 1), Arg(i, 1)],
        ["LayerNormalization"] = (n, i, _) => LayerNormalization(n, i[0]),
        ["Dropout"] = (_, i, _) => [i[0], i[0] is null ? null : i[0]! with { Element = ElementType.Bool }],
        ["Concat"] = (n, i, _) => [Concat(n, i)],
        ["Slice"] = (n, i, c) => [Slice(n, i[0], c)],
        ["Gather"] = (n, i, _) => [Gather(n, i[0], Arg(i, 1))],
        ["Squeeze"] = (n, i, c) => [Squeeze(n, i[0], c)],
        ["Pad"] = (n, i, c) => [Pad(n, i[0], c)],
        ["SoftmaxCrossEntropyLoss"] = (n, i, _) =>
            [i[0] is null ? null : Attributes.String(n, "reduction", "mean") == "none" && i[0]!.Shape is { Length: > 0 } s ? i[0]! with { Shape = [s[0]] } : i[0]! with { Shape = [] }, i[0]],
    };

    public static TensorType?[] Infer(NodeProto node, Func<string, TensorType?> typeOf, Func<string, TensorProto?> constantOf)
    {
        var inputs = node.Input.Select(n => n.Length == 0 ? null : typeOf(n)).ToArray();
        try
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx") return [];
            if (SameAsFirstInput.Contains(node.OpType)) return inputs.Length > 0 ? Enumerable.Repeat(inputs[0], node.Output.Count).ToArray() : [];
            if (Broadcasting.Contains(node.OpType)) return [Broadcast(inputs.FirstOrDefault(t => t is not null)?.Element, inputs)];
            if (Comparisons.Contains(node.OpType)) return [Broadcast(ElementType.Bool, inputs)];
            if (Rules.TryGetValue(node.OpType, out var rule))
                return ResolveReshape(node, rule(node, inputs, constantOf), inputs, constantOf);
        }
        catch (ArgumentException)
        {
            // Inconsistent static shapes are reported by ONNX Runtime with better context; infer nothing.
        }
        return [];
    }

    private static TensorType?[] ResolveReshape(NodeProto node, TensorType?[] result, TensorType?[] inputs, Func<string, TensorProto?> constantOf)
    {
        if (node.OpType != "Reshape" || inputs[0] is null || node.Input.Count < 2) return result;
        if (constantOf(node.Input[1]) is not { } shapeTensor) return [new TensorType(inputs[0]!.Element, null)];
        return [ReshapeTo(inputs[0]!, TensorProtos.ToLongs(shapeTensor), Attributes.Int(node, "allowzero", 0) != 0)];
    }

    public static TensorType? Broadcast(ElementType? element, IEnumerable<TensorType?> inputs)
    {
        if (element is null) return null;
        var list = inputs.ToList();
        if (list.Any(t => t?.Shape is null)) return new TensorType(element.Value, null);
        int rank = list.Max(t => t!.Shape!.Length);
        var result = new Dim[rank];
        for (int axis = 0; axis < rank; axis++)
        {
            Dim dim = 1;
            foreach (var t in list)
            {
                int offset = axis - (rank - t!.Shape!.Length);
                if (offset < 0) continue;
                var d = t.Shape[offset];
                if (d.IsKnown && d.Size == 1) continue;
                if (dim.IsKnown && dim.Size == 1) dim = d;
                else if (!dim.SameAs(d)) dim = d.IsKnown && dim.IsKnown ? throw new ArgumentException("broadcast mismatch") : Dim.Unknown;
            }
            result[axis] = dim;
        }
        return new TensorType(element.Value, result);
    }

    private static TensorType? MatMul(TensorType? a, TensorType? b)
    {
        if (a is null || b is null) return null;
        if (a.Shape is null || b.Shape is null || a.Shape.Length < 2 || b.Shape.Length < 2) return new TensorType(a.Element, null);
        var batchA = new TensorType(a.Element, a.Shape[..^2]);
        var batchB = new TensorType(a.Element, b.Shape[..^2]);
        var batch = Broadcast(a.Element, [batchA, batchB])!.Shape!;
        return new TensorType(a.Element, [.. batch, a.Shape[^2], b.Shape[^1]]);
    }

    private static TensorType? Gemm(NodeProto node, TensorType?[] i)
    {
        if (i[0] is null) return null;
        if (i[0]!.Shape is not { Length: 2 } a || i[1]?.Shape is not { Length: 2 } b) return new TensorType(i[0]!.Element, null);
        var rows = Attributes.Int(node, "transA", 0) != 0 ? a[1] : a[0];
        var cols = Attributes.Int(node, "transB", 0) != 0 ? b[0] : b[1];
        return new TensorType(i[0]!.Element, [rows, cols]);
    }

    private static TensorType? Reshape(TensorType? input, Func<string, TensorProto?>? _, TensorType?[] __) =>
        input is null ? null : new TensorType(input.Element, null);

    private static TensorType ReshapeTo(TensorType input, long[] target, bool allowZero)
    {
        var dims = new Dim[target.Length];
        int inferred = -1;
        for (int k = 0; k < target.Length; k++)
        {
            if (target[k] == -1) { inferred = k; continue; }
            dims[k] = target[k] == 0 && !allowZero ? (input.Shape is { } s && k < s.Length ? s[k] : Dim.Unknown) : target[k];
        }
        if (inferred >= 0)
        {
            dims[inferred] = Dim.Unknown;
            if (input.HasKnownShape && dims.Where((_, k) => k != inferred).All(d => d.IsKnown))
            {
                long total = input.Shape!.Aggregate(1L, (p, d) => p * d.Size);
                long rest = dims.Where((_, k) => k != inferred).Aggregate(1L, (p, d) => p * d.Size);
                dims[inferred] = rest == 0 ? 0 : total / rest;
            }
            else if (input.Shape is { } s && dims.Where((_, k) => k != inferred).All(d => d.IsKnown))
            {
                // [N, a, b] reshaped to [-1, a*b]: the leading symbolic batch dimension carries over.
                var known = s.Skip(1).ToArray();
                if (inferred == 0 && known.All(d => d.IsKnown) &&
                    known.Aggregate(1L, (p, d) => p * d.Size) == dims.Skip(1).Aggregate(1L, (p, d) => p * d.Size))
                    dims[0] = s[0];
            }
        }
        return new TensorType(input.Element, dims);
    }

    private static TensorType? Flatten(TensorType? input, long axis)
    {
        if (input?.Shape is not { } s) return input is null ? null : new TensorType(input.Element, null);
        if (axis < 0) axis += s.Length;
        Dim Product(IEnumerable<Dim> dims)
        {
            var list = dims.ToList();
            if (list.Count == 0) return 1;
            if (list.All(d => d.IsKnown)) return list.Aggregate(1L, (p, d) => p * d.Size);
            return list.Count == 1 ? list[0] : Dim.Unknown;
        }
        return new TensorType(input.Element, [Product(s.Take((int)axis)), Product(s.Skip((int)axis))]);
    }

    private static TensorType? Reduce(NodeProto node, TensorType? input, long[]? axes)
    {
        if (input?.Shape is not { } s) return input is null ? null : new TensorType(input.Element, null);
        bool keep = Attributes.Int(node, "keepdims", 1) != 0;
        if (axes is null) return new TensorType(input.Element, keep ? s.Select(_ => (Dim)1).ToArray() : []);
        var normalized = axes.Select(a => a < 0 ? a + s.Length : a).ToHashSet();
        var dims = new List<Dim>();
        for (int k = 0; k < s.Length; k++)
        {
            if (!normalized.Contains(k)) dims.Add(s[k]);
            else if (keep) dims.Add(1);
        }
        return new TensorType(input.Element, dims.ToArray());
    }

    private static TensorType? ReduceWithAxesInput(NodeProto node, TensorType? input, Func<string, TensorProto?> constantOf)
    {
        if (node.Input.Count < 2 || node.Input[1].Length == 0)
            return Attributes.Int(node, "noop_with_empty_axes", 0) != 0 ? input : Reduce(node, input, null);
        return constantOf(node.Input[1]) is { } axes ? Reduce(node, input, TensorProtos.ToLongs(axes))
            : input is null ? null : new TensorType(input.Element, null);
    }

    private static TensorType? OneHot(NodeProto node, TensorType?[] inputs, Func<string, TensorProto?> constantOf)
    {
        if (inputs.Length < 3 || inputs[2] is null) return null;
        var depth = constantOf(node.Input[1]) is { } t ? t.DataType == (int)ElementType.Float ? (long)TensorProtos.ToFloats(t)[0] : TensorProtos.ToLongs(t)[0] : -1;
        if (inputs[0]?.Shape is not { } indices) return new TensorType(inputs[2]!.Element, null);
        var axis = Attributes.Int(node, "axis", -1);
        var dims = indices.ToList();
        dims.Insert(axis < 0 ? dims.Count + 1 + (int)axis : (int)axis, depth >= 0 ? depth : Dim.Unknown);
        return new TensorType(inputs[2]!.Element, dims.ToArray());
    }

    private static TensorType? Unsqueeze(NodeProto node, TensorType? input, Func<string, TensorProto?> constantOf)
    {
        if (input?.Shape is not { } s || node.Input.Count < 2 || constantOf(node.Input[1]) is not { } axesTensor)
            return input is null ? null : new TensorType(input.Element, null);
        var rank = s.Length + (int)axesTensor.Dims.Aggregate(1L, (a, b) => a * b);
        var axes = TensorProtos.ToLongs(axesTensor).Select(a => a < 0 ? a + rank : a).ToHashSet();
        var dims = new List<Dim>();
        int next = 0;
        for (int k = 0; k < rank; k++) dims.Add(axes.Contains(k) ? 1 : s[next++]);
        return new TensorType(input.Element, dims.ToArray());
    }

    private static TensorType? Transpose(TensorType? input, long[]? perm)
    {
        if (input?.Shape is not { } s) return input;
        perm ??= Enumerable.Range(0, s.Length).Reverse().Select(k => (long)k).ToArray();
        return new TensorType(input.Element, perm.Select(p => s[p]).ToArray());
    }

    // Shape (opset 15) returns dims [start, end), negative bounds counting from the end.
    private static TensorType ShapeOf(NodeProto node, TensorType? x)
    {
        if (x?.Shape is not { } s) return new TensorType(ElementType.Int64, [Dim.Unknown]);
        long Bound(long v) => Math.Clamp(v < 0 ? v + s.Length : v, 0, s.Length);
        long start = Bound(Attributes.Int(node, "start", 0)), end = Bound(Attributes.Int(node, "end", s.Length));
        return new TensorType(ElementType.Int64, [Math.Max(0, end - start)]);
    }

    private static TensorType? Arg(TensorType?[] inputs, int index) => index < inputs.Length ? inputs[index] : null;

    private static long[]? ConstantInput(NodeProto node, int index, Func<string, TensorProto?> constantOf) =>
        index < node.Input.Count && node.Input[index].Length > 0 && constantOf(node.Input[index]) is { } t ? TensorProtos.ToLongs(t) : null;

    /// <summary>
    /// Pads and output sizes along each spatial axis of a Conv, MaxPool or AveragePool node, with auto_pad
    /// resolved by the opset 17 formulas (SAME_*: output ⌈in/stride⌉, the odd pad at the end for SAME_UPPER,
    /// at the start for SAME_LOWER). With ceil_mode the last window may hang over the end, but, as in ONNX
    /// Runtime and PyTorch, never starts in the end padding. Null when a spatial size is unknown.
    /// </summary>
    public static (long[] Begin, long[] End, long[] Output)? Window(NodeProto node, IReadOnlyList<Dim> spatial, long[] kernel)
    {
        int n = kernel.Length;
        if (spatial.Count != n || spatial.Any(d => !d.IsKnown)) return null;
        bool ceil = Attributes.Int(node, "ceil_mode", 0) != 0;
        var strides = Attributes.Ints(node, "strides") ?? Enumerable.Repeat(1L, n).ToArray();
        var dilations = Attributes.Ints(node, "dilations") ?? Enumerable.Repeat(1L, n).ToArray();
        var pads = Attributes.Ints(node, "pads") ?? new long[2 * n];
        var autoPad = Attributes.String(node, "auto_pad", "NOTSET");
        var (begin, end, output) = (new long[n], new long[n], new long[n]);
        for (int k = 0; k < n; k++)
        {
            long size = spatial[k].Size, extent = dilations[k] * (kernel[k] - 1) + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output[k] = (size + strides[k] - 1) / strides[k];
                long total = Math.Max(0, (output[k] - 1) * strides[k] + extent - size);
                begin[k] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                end[k] = total - begin[k];
                continue;
            }
            if (autoPad != "VALID") (begin[k], end[k]) = (pads[k], pads[n + k]);
            long span = size + begin[k] + end[k] - extent;
            if (span < 0) throw new ArgumentException("window larger than the padded input");
            output[k] = (ceil ? (span + strides[k] - 1) / strides[k] : span / strides[k]) + 1;
            if (ceil && (output[k] - 1) * strides[k] >= size + begin[k]) output[k]--;
        }
        return (begin, end, output);
    }

    private static TensorType? Conv(NodeProto node, TensorType?[] i)
    {
        if (i[0] is not { } x) return null;
        if (x.Shape is not { Length: > 2 } s || Arg(i, 1)?.Shape is not { } w || w.Length != s.Length) return x with { Shape = null };
        var kernel = Attributes.Ints(node, "kernel_shape") ?? (w[2..].All(d => d.IsKnown) ? w[2..].Select(d => d.Size).ToArray() : null);
        var window = kernel is null ? null : Window(node, s[2..], kernel);
        return x with { Shape = [s[0], w[0], .. window?.Output.Select(o => (Dim)o) ?? s[2..].Select(_ => Dim.Unknown)] };
    }

    // out = stride·(in − 1) + output_padding + dilation·(k − 1) + 1 − pad_begin − pad_end, channels = W[1]·group
    private static TensorType? ConvTranspose(NodeProto node, TensorType?[] i)
    {
        if (i[0] is not { } x) return null;
        if (x.Shape is not { Length: > 2 } s || Arg(i, 1)?.Shape is not { } w || w.Length != s.Length || !w.All(d => d.IsKnown)
            || Attributes.Has(node, "output_shape") || Attributes.String(node, "auto_pad", "NOTSET") != "NOTSET")
            return x with { Shape = null };
        int n = s.Length - 2;
        long At(string name, int k, long fallback) => Attributes.Ints(node, name) is { } v ? v[k] : fallback;
        var spatial = new Dim[n];
        for (int k = 0; k < n; k++)
            spatial[k] = !s[k + 2].IsKnown ? Dim.Unknown
                : At("strides", k, 1) * (s[k + 2].Size - 1) + At("output_padding", k, 0) + At("dilations", k, 1) * (w[k + 2].Size - 1) + 1
                  - At("pads", k, 0) - At("pads", n + k, 0);
        return x with { Shape = [s[0], w[1].Size * Attributes.Int(node, "group", 1), .. spatial] };
    }

    private static TensorType? Pool(NodeProto node, TensorType? x)
    {
        if (x?.Shape is not { Length: > 2 } s || Attributes.Ints(node, "kernel_shape") is not { } kernel) return x is null ? null : x with { Shape = null };
        var window = Window(node, s[2..], kernel);
        return x with { Shape = [s[0], s[1], .. window?.Output.Select(o => (Dim)o) ?? s[2..].Select(_ => Dim.Unknown)] };
    }

    /// <summary>Y like X; Mean and InvStdDev keep the leading axes and have size 1 along the normalised ones.</summary>
    private static TensorType?[] LayerNormalization(NodeProto node, TensorType? x)
    {
        if (x?.Shape is not { } s) return [x, null, null];
        var axis = Attributes.Int(node, "axis", -1);
        if (axis < 0) axis += s.Length;
        var stats = new TensorType(ElementType.Float, s.Select((d, k) => k < axis ? d : 1).ToArray());
        return [x, stats, stats];
    }

    private static TensorType? Expand(NodeProto node, TensorType? x, Func<string, TensorProto?> constantOf)
    {
        if (x is null) return null;
        if (ConstantInput(node, 1, constantOf) is not { } shape) return x with { Shape = null };
        return Broadcast(x.Element, [x, new TensorType(x.Element, shape.Select(d => (Dim)d).ToArray())]);
    }

    private static TensorType? ConstantOfShape(NodeProto node, Func<string, TensorProto?> constantOf)
    {
        var element = Attributes.Tensor(node, "value") is { } v ? (ElementType)v.DataType : ElementType.Float;
        return new TensorType(element, ConstantInput(node, 0, constantOf)?.Select(d => (Dim)d).ToArray());
    }

    private static TensorType? Concat(NodeProto node, TensorType?[] inputs)
    {
        if (inputs.Length == 0 || inputs[0] is null) return null;
        if (inputs.Any(t => t?.Shape is null)) return inputs[0]! with { Shape = null };
        var first = inputs[0]!.Shape!;
        var axis = Attributes.Int(node, "axis", 0);
        if (axis < 0) axis += first.Length;
        var sizes = inputs.Select(t => t!.Shape![axis]).ToList();
        var dims = first.ToArray();
        dims[axis] = sizes.All(d => d.IsKnown) ? sizes.Sum(d => d.Size) : Dim.Unknown;
        return inputs[0]! with { Shape = dims };
    }

    /// <summary>The positions a Slice takes along one axis of size <paramref name="size"/>, per the ONNX clamping rules.</summary>
    public static long[] SlicePositions(long start, long end, long step, long size)
    {
        if (step == 0) throw new ArgumentException("Slice step 0");
        if (start < 0) start += size;
        if (end < 0) end += size;
        (start, end) = step > 0 ? (Math.Clamp(start, 0, size), Math.Clamp(end, 0, size)) : (Math.Clamp(start, 0, size - 1), Math.Clamp(end, -1, size - 1));
        var positions = new List<long>();
        for (long p = start; step > 0 ? p < end : p > end; p += step) positions.Add(p);
        return positions.ToArray();
    }

    private static TensorType? Slice(NodeProto node, TensorType? x, Func<string, TensorProto?> constantOf)
    {
        if (x?.Shape is not { } s) return x;
        var starts = ConstantInput(node, 1, constantOf);
        var ends = ConstantInput(node, 2, constantOf);
        var axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? ConstantInput(node, 3, constantOf) : Enumerable.Range(0, starts?.Length ?? 0).Select(a => (long)a).ToArray();
        var steps = node.Input.Count > 4 && node.Input[4].Length > 0 ? ConstantInput(node, 4, constantOf) : starts?.Select(_ => 1L).ToArray();
        if (starts is null || ends is null || axes is null || steps is null) return x with { Shape = null };
        var dims = s.ToArray();
        for (int k = 0; k < axes.Length; k++)
        {
            var axis = axes[k] < 0 ? axes[k] + s.Length : axes[k];
            dims[axis] = s[axis].IsKnown ? SlicePositions(starts[k], ends[k], steps[k], s[axis].Size).Length : Dim.Unknown;
        }
        return x with { Shape = dims };
    }

    // data [d0 … d(a−1), da, d(a+1) …] gathered along a with indices I: [d0 … d(a−1), …I, d(a+1) …]
    private static TensorType? Gather(NodeProto node, TensorType? data, TensorType? indices)
    {
        if (data?.Shape is not { } s || indices?.Shape is not { } i) return data is null ? null : data with { Shape = null };
        var axis = Attributes.Int(node, "axis", 0);
        if (axis < 0) axis += s.Length;
        return data with { Shape = [.. s[..(int)axis], .. i, .. s[(int)(axis + 1)..]] };
    }

    private static TensorType? Squeeze(NodeProto node, TensorType? x, Func<string, TensorProto?> constantOf)
    {
        if (x?.Shape is not { } s) return x;
        var axes = ConstantInput(node, 1, constantOf)?.Select(a => a < 0 ? a + s.Length : a).ToHashSet();
        if (axes is null && (node.Input.Count > 1 || s.Any(d => !d.IsKnown))) return x with { Shape = null };
        return x with { Shape = s.Where((d, k) => axes is null ? d.Size != 1 : !axes.Contains(k)).ToArray() };
    }

    private static TensorType? Pad(NodeProto node, TensorType? x, Func<string, TensorProto?> constantOf)
    {
        if (x?.Shape is not { } s) return x;
        if (node.Input.Count > 3 || ConstantInput(node, 1, constantOf) is not { } pads || pads.Length != 2 * s.Length) return x with { Shape = null };
        return x with { Shape = s.Select((d, k) => d.IsKnown ? d.Size + pads[k] + pads[s.Length + k] : Dim.Unknown).ToArray() };
    }
}
