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
}
