using Toolchain.Train.Autodiff.Rules;

namespace Toolchain.Train.Autodiff;

/// <summary>The one table of gradient rules: ONNX op type → rule. Every rule is finite-difference tested.</summary>
public static class GradientRules
{
    public static readonly IReadOnlyDictionary<string, GradientRule> Table = new Dictionary<string, GradientRule>
    {
        ["Add"] = ElementwiseRules.Add,
        ["Sub"] = ElementwiseRules.Sub,
        ["Mul"] = ElementwiseRules.Mul,
        ["Div"] = ElementwiseRules.Div,
        ["Pow"] = ElementwiseRules.Pow,
        ["Neg"] = ElementwiseRules.Neg,
        ["Identity"] = ElementwiseRules.Identity,
        ["Exp"] = ElementwiseRules.Exp,
        ["Log"] = ElementwiseRules.Log,
        ["Sqrt"] = ElementwiseRules.Sqrt,
        ["Abs"] = ElementwiseRules.Abs,
        ["Relu"] = ActivationRules.Relu,
        ["Sigmoid"] = ActivationRules.Sigmoid,
        ["Tanh"] = ActivationRules.Tanh,
        ["Softmax"] = ActivationRules.Softmax,
        ["LogSoftmax"] = ActivationRules.LogSoftmax,
        ["MatMul"] = MatrixRules.MatMul,
        ["Gemm"] = MatrixRules.Gemm,
        ["ReduceSum"] = ReductionRules.ReduceSum,
        ["ReduceMean"] = ReductionRules.ReduceMean,
        ["Reshape"] = ShapeRules.Reshape,
        ["Flatten"] = ShapeRules.Flatten,
    };
}
