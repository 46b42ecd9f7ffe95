using Toolchain.Graph;

namespace Toolchain.Tests.Autodiff;

/// <summary>How the harness draws an input's values.</summary>
public enum InputValues
{
    /// <summary>Magnitudes in [0.2, 1] with random signs, away from the kinks of Relu and Abs at 0.</summary>
    Signed,
    /// <summary>Magnitudes in [0.2, 1].</summary>
    Positive,
    /// <summary>Shuffled odd multiples of 0.025: no two within 0.05, none within 0.025 of a multiple of 0.05 — so a max
    /// never ties and no value sits within the finite-difference step of a bound such as Clip's.</summary>
    Distinct,
}

/// <summary>A float graph input of a case: the harness differentiates with respect to it and perturbs it.</summary>
public sealed record GradientInput(string Name, long[] Shape, InputValues Values = InputValues.Signed);

/// <summary>
/// One finite-difference case: float inputs, and a graph body using them. Non-float operands (indices,
/// conditions, training flags) are constants the body creates; they are not differentiated.
/// <paramref name="SymbolicBatch"/> declares the first input's leading dimension as "N".
/// </summary>
public sealed record GradientRuleCase(string Name, string OpType, GradientInput[] Inputs,
    Func<GraphBuilder, Value[], Value> Body, bool SymbolicBatch = false, bool UnknownShapes = false)
{
    public override string ToString() => Name;
}

/// <summary>The cases every rule in <see cref="Toolchain.Train.Autodiff.GradientRules"/> is checked against.</summary>
public static partial class GradientRuleCases
{
    private static GradientInput In(string name, params long[] shape) => new(name, shape);
    private static GradientInput Pos(string name, params long[] shape) => new(name, shape, InputValues.Positive);
    private static GradientInput Distinct(string name, params long[] shape) => new(name, shape, InputValues.Distinct);

    private static Dictionary<string, object> A(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    public static IEnumerable<GradientRuleCase> All() =>
        Basic().Concat(Convolution()).Concat(Pooling()).Concat(Normalization()).Concat(Shapes()).Concat(Selection()).Concat(Activations());

    private static IEnumerable<GradientRuleCase> Basic()
    {
        yield return new("Add same shape", "Add", [In("a", 3, 4), In("b", 3, 4)], (g, x) => g.Add(x[0], x[1]));
        yield return new("Add bias broadcast", "Add", [In("a", 3, 4), In("b", 4)], (g, x) => g.Add(x[0], x[1]));
        yield return new("Add both broadcast", "Add", [In("a", 2, 1, 4), In("b", 3, 1)], (g, x) => g.Add(x[0], x[1]));
        yield return new("Add symbolic batch", "Add", [In("a", 3, 4), In("b", 4)], (g, x) => g.Add(x[0], x[1]), SymbolicBatch: true);
        yield return new("Add unknown shapes", "Add", [In("a", 2, 3, 4), In("b", 3, 1)], (g, x) => g.Add(x[0], x[1]), UnknownShapes: true);
        yield return new("Sub broadcast", "Sub", [In("a", 3, 4), In("b", 1, 4)], (g, x) => g.Sub(x[0], x[1]));
        yield return new("Mul broadcast", "Mul", [In("a", 3, 4), In("b", 3, 1)], (g, x) => g.Mul(x[0], x[1]));
        yield return new("Mul scalar", "Mul", [In("a", 3, 4), In("b")], (g, x) => g.Mul(x[0], x[1]));
        yield return new("Div broadcast", "Div", [In("a", 3, 4), Pos("b", 4)], (g, x) => g.Div(x[0], x[1]));
        yield return new("Pow", "Pow", [Pos("a", 3, 4), In("b", 4)], (g, x) => g.Pow(x[0], x[1]));
        yield return new("Neg", "Neg", [In("a", 2, 5)], (g, x) => g.Neg(x[0]));
        yield return new("Identity", "Identity", [In("a", 2, 5)], (g, x) => g.Identity(x[0]));
        yield return new("Exp", "Exp", [In("a", 2, 5)], (g, x) => g.Exp(x[0]));
        yield return new("Log", "Log", [Pos("a", 2, 5)], (g, x) => g.Log(x[0]));
        yield return new("Sqrt", "Sqrt", [Pos("a", 2, 5)], (g, x) => g.Sqrt(x[0]));
        yield return new("Abs", "Abs", [In("a", 2, 5)], (g, x) => g.Abs(x[0]));
        yield return new("Relu", "Relu", [In("a", 4, 6)], (g, x) => g.Relu(x[0]));
        yield return new("Sigmoid", "Sigmoid", [In("a", 4, 6)], (g, x) => g.Sigmoid(x[0]));
        yield return new("Tanh", "Tanh", [In("a", 4, 6)], (g, x) => g.Tanh(x[0]));
        yield return new("Softmax last axis", "Softmax", [In("a", 3, 5)], (g, x) => g.Softmax(x[0]));
        yield return new("Softmax axis 0", "Softmax", [In("a", 3, 5)], (g, x) => g.Softmax(x[0], 0));
        yield return new("LogSoftmax", "LogSoftmax", [In("a", 3, 5)], (g, x) => g.LogSoftmax(x[0], 1));
        foreach (var reduction in new[] { "mean", "sum", "none" })
            yield return new($"SoftmaxCrossEntropyLoss {reduction}", "SoftmaxCrossEntropyLoss", [In("a", 4, 5)],
                (g, x) => g.Node("SoftmaxCrossEntropyLoss", [x[0], g.ConstantLongs(3, 0, 4, 3)], 1, A(("reduction", reduction)))[0], SymbolicBatch: reduction == "mean");
        yield return new("SoftmaxCrossEntropyLoss with log_prob used", "SoftmaxCrossEntropyLoss", [In("a", 3, 4)], (g, x) =>
        {
            var outputs = g.Node("SoftmaxCrossEntropyLoss", [x[0], g.ConstantLongs(1, 3, 0)], 2, A(("reduction", "mean")));
            return g.Add(outputs[0], g.ReduceSum(g.Mul(outputs[1], g.Constant([0.3f, -0.7f, 1.1f, 0.2f], 4)), null, keepDims: false));
        });
        yield return new("MatMul 2-D", "MatMul", [In("a", 3, 4), In("b", 4, 5)], (g, x) => g.MatMul(x[0], x[1]));
        yield return new("MatMul batched by 2-D", "MatMul", [In("a", 2, 3, 4), In("b", 4, 5)], (g, x) => g.MatMul(x[0], x[1]));
        yield return new("MatMul batched", "MatMul", [In("a", 2, 3, 4), In("b", 2, 4, 5)], (g, x) => g.MatMul(x[0], x[1]));
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
            yield return new($"Gemm transA={ta} transB={tb}", "Gemm",
                [In("a", ta ? 4 : 3, ta ? 3 : 4), In("b", tb ? 5 : 4, tb ? 4 : 5), In("c", 5)],
                (g, x) => g.Gemm(x[0], x[1], x[2], ta, tb, alpha: 0.7f, beta: 1.3f));
        yield return new("Gemm full bias", "Gemm", [In("a", 3, 4), In("b", 5, 4), In("c", 3, 5)], (g, x) => g.Gemm(x[0], x[1], x[2], transB: true));
        yield return new("Gemm symbolic batch", "Gemm", [In("a", 3, 4), In("b", 5, 4), In("c", 5)], (g, x) => g.Gemm(x[0], x[1], x[2], transB: true), SymbolicBatch: true);
        yield return new("ReduceSum axis 1", "ReduceSum", [In("a", 3, 4)], (g, x) => g.ReduceSum(x[0], [1], keepDims: false));
        yield return new("ReduceSum keepdims", "ReduceSum", [In("a", 2, 3, 4)], (g, x) => g.ReduceSum(x[0], [0, 2], keepDims: true));
        yield return new("ReduceSum all", "ReduceSum", [In("a", 2, 3)], (g, x) => g.ReduceSumAll(x[0]));
        yield return new("ReduceMean axis 0", "ReduceMean", [In("a", 3, 4)], (g, x) => g.ReduceMean(x[0], [0], keepDims: false));
        yield return new("ReduceMean all", "ReduceMean", [In("a", 3, 4)], (g, x) => g.ReduceMean(x[0], null, keepDims: true));
        yield return new("Reshape", "Reshape", [In("a", 2, 6)], (g, x) => g.Reshape(x[0], 3, 4));
        yield return new("Reshape unknown shape", "Reshape", [In("a", 2, 6)], (g, x) => g.Reshape(x[0], -1, 3), UnknownShapes: true);
        yield return new("Flatten axis 1", "Flatten", [In("a", 2, 3, 4)], (g, x) => g.Flatten(x[0]));
        yield return new("Flatten axis 2", "Flatten", [In("a", 2, 3, 4)], (g, x) => g.Flatten(x[0], 2));
    }
}
