using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of pointwise activations, written in terms of the output where that is cheaper.</summary>
internal static class ActivationRules
{
    public static Value?[] Relu(GradientContext c)
    {
        var g = c.Graph;
        // dY · [x > 0] as a Mul: ONNX Runtime's Where with a scalar branch runs several times slower.
        var positive = g.Cast(g.Op("Greater", c.Input(0), g.Constant(0f)), g.TypeOf(c.Input(0))?.Element ?? ElementType.Float);
        return [g.Mul(c.Dy, positive)];
    }

    // y = x for x > 0, αx otherwise
    public static Value?[] LeakyRelu(GradientContext c)
    {
        var g = c.Graph;
        var positive = g.Greater(c.Input(0), g.Constant(0f));
        return [g.Where(positive, c.Dy, g.Mul(c.Dy, g.Constant(c.Float("alpha", 0.01f))))];
    }

    // y = x for x > 0, α(eˣ − 1) otherwise, whose slope is eˣ·α = y + α
    public static Value?[] Elu(GradientContext c)
    {
        var g = c.Graph;
        var positive = g.Greater(c.Input(0), g.Constant(0f));
        return [g.Where(positive, c.Dy, g.Mul(c.Dy, g.Add(c.Output(), g.Constant(c.Float("alpha", 1f)))))];
    }

    // erf'(x) = 2/√π · e^(−x²)
    public static Value?[] Erf(GradientContext c)
    {
        var g = c.Graph;
        var x = c.Input(0);
        return [g.Mul(c.Dy, g.Mul(g.Constant((float)(2 / Math.Sqrt(Math.PI))), g.Exp(g.Neg(g.Mul(x, x)))))];
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
