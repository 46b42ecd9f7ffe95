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
        "HardSigmoid", "Gelu", "BatchNormalization", "LayerNormalization", "Dropout", "Sin", "Cos", "Not",
        "ScatterElements", "ConstantOfShapeLike",
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
        ["Shape"] = (_, i, _) => [new TensorType(ElementType.Int64, i[0]?.Shape is { } s ? [s.Length] : [Dim.Unknown])],
        ["Size"] = (_, _, _) => [new TensorType(ElementType.Int64, [])],
        ["ArgMax"] = (n, i, _) => [Reduce(n, i[0], [Attributes.Int(n, "axis", 0)]) is { } t ? t with { Element = ElementType.Int64 } : null],
        ["Where"] = (_, i, _) => [Broadcast(i[1]?.Element, i)],
        ["OneHot"] = (n, i, c) => [OneHot(n, i, c)],
        ["Unsqueeze"] = (n, i, c) => [Unsqueeze(n, i[0], c)],
        ["Expand"] = (_, i, _) => [i[0] is null ? null : new TensorType(i[0]!.Element, null)],
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
}
