using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of pointwise activations, written in terms of the output where that is cheaper.</summary>
internal static class ActivationRules
{
    public static Value?[] Relu(GradientContext c)
    {
        var g = c.Graph;
        var positive = g.Op("Greater", c.Input(0), g.Constant(0f));
        return [g.Op("Where", positive, c.Dy, g.Constant(0f))];
    }

    // σ' = y(1 − y)
    public static Value?[] Sigmoid(GradientContext c)
    {
        var g = c.Graph;
        var y = c.Output();
        return [g.Mul(c.Dy, g.Mul(y, g.Sub(g.Constant(1f), y)))];
    }

    // tanh' = 1 − y²
    public static Value?[] Tanh(GradientContext c)
    {
        var g = c.Graph;
        var y = c.Output();
        return [g.Mul(c.Dy, g.Sub(g.Constant(1f), g.Mul(y, y)))];
    }

    // dx = y ⊙ (dy − Σ(dy ⊙ y)) along the softmax axis
    public static Value?[] Softmax(GradientContext c)
    {
        var g = c.Graph;
        var y = c.Output();
        var axis = c.Int("axis", -1);
        var dot = g.ReduceSum(g.Mul(c.Dy, y), [axis], keepDims: true);
        return [g.Mul(y, g.Sub(c.Dy, dot))];
    }

    // dx = dy − softmax(x) ⊙ Σ dy along the axis, with softmax(x) = exp(y)
    public static Value?[] LogSoftmax(GradientContext c)
    {
        var g = c.Graph;
        var axis = c.Int("axis", -1);
        var total = g.ReduceSum(c.Dy, [axis], keepDims: true);
        return [g.Sub(c.Dy, g.Mul(g.Exp(c.Output()), total))];
    }
}
