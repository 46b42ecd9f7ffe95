using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of broadcasting arithmetic: each is reduced back to its operand's shape.</summary>
internal static class ElementwiseRules
{
    public static Value?[] Add(GradientContext c) => [c.ReduceTo(c.Dy, c.Input(0)), c.ReduceTo(c.Dy, c.Input(1))];

    public static Value?[] Sub(GradientContext c) => [c.ReduceTo(c.Dy, c.Input(0)), c.ReduceTo(c.Graph.Neg(c.Dy), c.Input(1))];

    public static Value?[] Mul(GradientContext c)
    {
        var g = c.Graph;
        return [c.ReduceTo(g.Mul(c.Dy, c.Input(1)), c.Input(0)), c.ReduceTo(g.Mul(c.Dy, c.Input(0)), c.Input(1))];
    }

    // y = a / b: da = dy / b, db = −dy · y / b
    public static Value?[] Div(GradientContext c)
    {
        var g = c.Graph;
        var da = g.Div(c.Dy, c.Input(1));
        var db = g.Neg(g.Mul(da, c.Output()));
        return [c.ReduceTo(da, c.Input(0)), c.ReduceTo(db, c.Input(1))];
    }

    // y = a^b: da = dy · b · a^(b−1), db = dy · y · ln a
    public static Value?[] Pow(GradientContext c)
    {
        var g = c.Graph;
        var a = c.Input(0);
        var b = c.Input(1);
        var da = g.Mul(c.Dy, g.Mul(b, g.Pow(a, g.Sub(b, g.Constant(1f)))));
        var db = g.Mul(c.Dy, g.Mul(c.Output(), g.Log(a)));
        return [c.ReduceTo(da, a), c.ReduceTo(db, b)];
    }

    public static Value?[] Neg(GradientContext c) => [c.Graph.Neg(c.Dy)];

    public static Value?[] Identity(GradientContext c) => [c.Dy];

    public static Value?[] Exp(GradientContext c) => [c.Graph.Mul(c.Dy, c.Output())];

    public static Value?[] Log(GradientContext c) => [c.Graph.Div(c.Dy, c.Input(0))];

    // y = √x: dx = dy / (2y)
    public static Value?[] Sqrt(GradientContext c) => [c.Graph.Div(c.Dy, c.Graph.Mul(c.Output(), c.Graph.Constant(2f)))];

    public static Value?[] Abs(GradientContext c) => [c.Graph.Mul(c.Dy, c.Graph.Sign(c.Input(0)))];
}
