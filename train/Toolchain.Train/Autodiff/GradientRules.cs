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
        ["Where"] = ElementwiseRules.Where,
        ["Clip"] = ElementwiseRules.Clip,
        ["Cast"] = ElementwiseRules.Cast,
        ["Relu"] = ActivationRules.Relu,
        ["LeakyRelu"] = ActivationRules.LeakyRelu,
        ["Elu"] = ActivationRules.Elu,
        ["Erf"] = ActivationRules.Erf,
        ["Sigmoid"] = ActivationRules.Sigmoid,
        ["Tanh"] = ActivationRules.Tanh,
        ["Softmax"] = ActivationRules.Softmax,
        ["LogSoftmax"] = ActivationRules.LogSoftmax,
        ["SoftmaxCrossEntropyLoss"] = LossRules.SoftmaxCrossEntropyLoss,
        ["MatMul"] = MatrixRules.MatMul,
        ["Gemm"] = MatrixRules.Gemm,
        ["Conv"] = ConvolutionRules.Conv,
        ["MaxPool"] = PoolingRules.MaxPool,
        ["AveragePool"] = PoolingRules.AveragePool,
        ["GlobalAveragePool"] = PoolingRules.GlobalAveragePool,
        ["BatchNormalization"] = NormalizationRules.BatchNormalization,
        ["LayerNormalization"] = NormalizationRules.LayerNormalization,
        ["Dropout"] = NormalizationRules.Dropout,
        ["ReduceSum"] = ReductionRules.ReduceSum,
        ["ReduceMean"] = ReductionRules.ReduceMean,
        ["Reshape"] = ShapeRules.Reshape,
        ["Flatten"] = ShapeRules.Flatten,
        ["Squeeze"] = ShapeRules.Squeeze,
        ["Unsqueeze"] = ShapeRules.Unsqueeze,
        ["Transpose"] = ShapeRules.Transpose,
        ["Concat"] = ShapeRules.Concat,
        ["Slice"] = IndexingRules.Slice,
        ["Gather"] = IndexingRules.Gather,
    };
}
