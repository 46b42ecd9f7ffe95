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

    // y = cond ? a : b: a gets dy where cond holds, b where it does not; the condition gets none.
    public static Value?[] Where(GradientContext c)
    {
        var g = c.Graph;
        var (condition, zero) = (c.Input(0), g.Constant(0f));
        return [null, c.ReduceTo(g.Where(condition, c.Dy, zero), c.Input(1)), c.ReduceTo(g.Where(condition, zero, c.Dy), c.Input(2))];
    }

    // y = min(max(x, lo), hi): x gets dy where lo ≤ x ≤ hi; lo gets Σ dy where x < lo, hi where x > hi.
    public static Value?[] Clip(GradientContext c)
    {
        var g = c.Graph;
        var (x, zero) = (c.Input(0), g.Constant(0f));
        var dx = c.Dy;
        Value? dLow = null, dHigh = null;
        if (c.HasInput(1))
        {
            var below = g.Less(x, c.Input(1));
            dx = g.Where(below, zero, dx);
            dLow = c.ReduceTo(g.Where(below, c.Dy, zero), c.Input(1));
        }
        if (c.HasInput(2))
        {
            var above = g.Greater(x, c.Input(2));
            dx = g.Where(above, zero, dx);
            dHigh = c.ReduceTo(g.Where(above, c.Dy, zero), c.Input(2));
        }
        return [dx, dLow, dHigh];
    }

    // Between floating-point types the gradient is cast back; to or from integers and booleans there is none.
    public static Value?[] Cast(GradientContext c)
    {
        var from = c.Graph.TypeOf(c.Input(0))?.Element ?? throw c.Unsupported("gradients need the input's element type");
        var to = (ElementType)c.Int("to", (long)ElementType.Float);
        return IsFloating(from) && IsFloating(to) ? [c.Graph.Cast(c.Dy, from)] : [null];
    }

    private static bool IsFloating(ElementType type) => type is ElementType.Float or ElementType.Double or ElementType.Float16;
}
