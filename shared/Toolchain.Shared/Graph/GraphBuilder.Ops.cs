using Google.Protobuf;
using Toolchain.Onnx.Proto;

namespace Toolchain.Graph;

/// <summary>Typed helpers for the ai.onnx ops Toolchain emits most (opset 17 signatures).</summary>
public sealed partial class GraphBuilder
{
    public Value Add(Value a, Value b) => Op("Add", a, b);
    public Value Sub(Value a, Value b) => Op("Sub", a, b);
    public Value Mul(Value a, Value b) => Op("Mul", a, b);
    public Value Div(Value a, Value b) => Op("Div", a, b);
    public Value Pow(Value a, Value b) => Op("Pow", a, b);
    public Value Neg(Value x) => Op("Neg", x);
    public Value Exp(Value x) => Op("Exp", x);
    public Value Log(Value x) => Op("Log", x);
    public Value Sqrt(Value x) => Op("Sqrt", x);
    public Value Abs(Value x) => Op("Abs", x);
    public Value Sign(Value x) => Op("Sign", x);
    public Value Relu(Value x) => Op("Relu", x);
    public Value Sigmoid(Value x) => Op("Sigmoid", x);
    public Value Tanh(Value x) => Op("Tanh", x);
    public Value Identity(Value x) => Op("Identity", x);
    public Value MatMul(Value a, Value b) => Op("MatMul", a, b);
    public Value Shape(Value x) => Op("Shape", x);

    public Value Gemm(Value a, Value b, Value? c = null, bool transA = false, bool transB = false, float alpha = 1f, float beta = 1f)
    {
        var attributes = new Dictionary<string, object>();
        if (transA) attributes["transA"] = 1L;
        if (transB) attributes["transB"] = 1L;
        if (alpha != 1f) attributes["alpha"] = alpha;
        if (beta != 1f) attributes["beta"] = beta;
        return Op("Gemm", [a, b, c], attributes);
    }

    public Value Transpose(Value x, params long[] perm) => Op("Transpose", [x], new Dictionary<string, object> { ["perm"] = perm });

    public Value Reshape(Value x, Value shape) => Op("Reshape", x, shape);

    public Value Reshape(Value x, params long[] shape) => Op("Reshape", x, ConstantLongs(shape));

    public Value Flatten(Value x, long axis = 1) => Op("Flatten", [x], new Dictionary<string, object> { ["axis"] = axis });

    public Value Cast(Value x, ElementType to) => Op("Cast", [x], new Dictionary<string, object> { ["to"] = (long)to });

    public Value Softmax(Value x, long axis = -1) => Op("Softmax", [x], new Dictionary<string, object> { ["axis"] = axis });

    public Value LogSoftmax(Value x, long axis = -1) => Op("LogSoftmax", [x], new Dictionary<string, object> { ["axis"] = axis });

    public Value ArgMax(Value x, long axis, bool keepDims = false) =>
        Op("ArgMax", [x], new Dictionary<string, object> { ["axis"] = axis, ["keepdims"] = keepDims ? 1L : 0L });

    public Value ReduceSumAll(Value x, bool keepDims = false) => ReduceSum(x, null, keepDims);

    /// <summary>ReduceSum over the given axes (all axes when none are given).</summary>
    public Value ReduceSum(Value x, long[]? axes, bool keepDims) =>
        Op("ReduceSum", [x, axes is null ? null : ConstantLongs(axes)], new Dictionary<string, object> { ["keepdims"] = keepDims ? 1L : 0L });

    /// <summary>ReduceSum over axes computed at run time; an empty axes tensor leaves x unchanged.</summary>
    public Value ReduceSumOverAxes(Value x, Value axes, bool keepDims) =>
        Op("ReduceSum", [x, axes], new Dictionary<string, object> { ["keepdims"] = keepDims ? 1L : 0L, ["noop_with_empty_axes"] = 1L });

    public Value ReduceMean(Value x, long[]? axes, bool keepDims)
    {
        var attributes = new Dictionary<string, object> { ["keepdims"] = keepDims ? 1L : 0L };
        if (axes is not null) attributes["axes"] = axes;
        return Op("ReduceMean", [x], attributes);
    }

    public Value Erf(Value x) => Op("Erf", x);
    public Value Reciprocal(Value x) => Op("Reciprocal", x);
    public Value Greater(Value a, Value b) => Op("Greater", a, b);
    public Value Less(Value a, Value b) => Op("Less", a, b);
    public Value Where(Value condition, Value a, Value b) => Op("Where", condition, a, b);
    public Value Expand(Value x, Value shape) => Op("Expand", x, shape);

    public Value LeakyRelu(Value x, float alpha = 0.01f) => Op("LeakyRelu", [x], new Dictionary<string, object> { ["alpha"] = alpha });

    public Value Elu(Value x, float alpha = 1f) => Op("Elu", [x], new Dictionary<string, object> { ["alpha"] = alpha });

    /// <summary>Clip to [min, max]; either bound may be omitted.</summary>
    public Value Clip(Value x, Value? min, Value? max) => Op("Clip", x, min, max);

    public Value Concat(long axis, params Value[] inputs) => Op("Concat", inputs, new Dictionary<string, object> { ["axis"] = axis });

    public Value Squeeze(Value x, params long[] axes) => Op("Squeeze", x, axes.Length == 0 ? null : ConstantLongs(axes));

    public Value Unsqueeze(Value x, params long[] axes) => Op("Unsqueeze", x, ConstantLongs(axes));

    /// <summary>Slice with constant bounds; axes and steps default to the leading axes and 1.</summary>
    public Value Slice(Value x, long[] starts, long[] ends, long[]? axes = null, long[]? steps = null) =>
        Op("Slice", x, ConstantLongs(starts), ConstantLongs(ends), axes is null ? null : ConstantLongs(axes), steps is null ? null : ConstantLongs(steps));

    public Value Gather(Value data, Value indices, long axis = 0) => Op("Gather", [data, indices], new Dictionary<string, object> { ["axis"] = axis });

    /// <summary>The dimensions [start, end) of x's shape as a 1-D int64 tensor (Shape with start/end, opset 15).</summary>
    public Value Shape(Value x, long start, long? end = null)
    {
        var attributes = new Dictionary<string, object> { ["start"] = start };
        if (end is { } e) attributes["end"] = e;
        return Op("Shape", [x], attributes);
    }

    /// <summary>A float tensor of the given run-time shape filled with <paramref name="value"/>.</summary>
    public Value Filled(Value shape, float value) =>
        Op("ConstantOfShape", [shape], new Dictionary<string, object> { ["value"] = TensorProtos.Floats("value", [value], 1) });

    public Value Constant(long[] data, params long[] dims) => AddInitializer(TensorProtos.Longs(FreshName("const"), data, dims));

    public Value ConstantBool(bool value) => AddInitializer(new TensorProto
    {
        Name = FreshName("const"), DataType = (int)ElementType.Bool, RawData = ByteString.CopyFrom(value ? (byte)1 : (byte)0),
    });

    /// <summary>
    /// Conv over NCHW-style input: W [M, C/group, k…]; <paramref name="autoPad"/> is NOTSET (use
    /// <paramref name="pads"/>, begins then ends), SAME_UPPER, SAME_LOWER or VALID.
    /// </summary>
    public Value Conv(Value x, Value w, Value? bias = null, long[]? strides = null, long[]? pads = null, long[]? dilations = null,
        long group = 1, string autoPad = "NOTSET") =>
        Op("Conv", [x, w, bias], WindowAttributes(strides, pads, dilations, autoPad, ("group", group, 1L)));

    public Value MaxPool(Value x, long[] kernel, long[]? strides = null, long[]? pads = null, long[]? dilations = null, string autoPad = "NOTSET")
    {
        var attributes = WindowAttributes(strides, pads, dilations, autoPad);
        attributes["kernel_shape"] = kernel;
        return Op("MaxPool", [x], attributes);
    }

    public Value AveragePool(Value x, long[] kernel, long[]? strides = null, long[]? pads = null, bool countIncludePad = false, string autoPad = "NOTSET")
    {
        var attributes = WindowAttributes(strides, pads, null, autoPad, ("count_include_pad", countIncludePad ? 1L : 0L, 0L));
        attributes["kernel_shape"] = kernel;
        return Op("AveragePool", [x], attributes);
    }

    public Value GlobalAveragePool(Value x) => Op("GlobalAveragePool", x);

    /// <summary>
    /// BatchNormalization (opset 15): inference form has one output Y; training form (batch statistics)
    /// has Y, running_mean and running_var.
    /// </summary>
    public Value[] BatchNormalization(Value x, Value scale, Value bias, Value mean, Value variance, float epsilon = 1e-5f,
        float momentum = 0.9f, bool trainingMode = false)
    {
        var attributes = new Dictionary<string, object> { ["epsilon"] = epsilon, ["momentum"] = momentum };
        if (trainingMode) attributes["training_mode"] = 1L;
        return Node("BatchNormalization", [x, scale, bias, mean, variance], trainingMode ? 3 : 1, attributes);
    }

    /// <summary>LayerNormalization (opset 17) over the axes from <paramref name="axis"/> to the last.</summary>
    public Value LayerNormalization(Value x, Value scale, Value? bias, long axis = -1, float epsilon = 1e-5f) =>
        Op("LayerNormalization", [x, scale, bias], new Dictionary<string, object> { ["axis"] = axis, ["epsilon"] = epsilon });

    private static Dictionary<string, object> WindowAttributes(long[]? strides, long[]? pads, long[]? dilations, string autoPad,
        params (string Name, long Value, long Default)[] extra)
    {
        var attributes = new Dictionary<string, object>();
        if (autoPad != "NOTSET") attributes["auto_pad"] = autoPad;
        if (strides is not null) attributes["strides"] = strides;
        if (pads is not null) attributes["pads"] = pads;
        if (dilations is not null) attributes["dilations"] = dilations;
        foreach (var (name, value, fallback) in extra)
            if (value != fallback) attributes[name] = value;
        return attributes;
    }
}
