using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of matrix products.</summary>
internal static class MatrixRules
{
    // Y = A·B (batched, broadcasting): dA = dY·Bᵀ, dB = Aᵀ·dY, each summed over broadcast batch axes.
    public static Value?[] MatMul(GradientContext c)
    {
        var g = c.Graph;
        var a = c.Input(0);
        var b = c.Input(1);
        if (g.TypeOf(a)?.Rank is < 2 || g.TypeOf(b)?.Rank is < 2)
            throw c.Unsupported("gradients of MatMul with a 1-D operand are not supported; reshape it to 2-D");
        var da = g.MatMul(c.Dy, SwapLastTwo(g, b));
        var db = g.MatMul(SwapLastTwo(g, a), c.Dy);
        return [c.ReduceTo(da, a), c.ReduceTo(db, b)];
    }

    // Y = α·op(A)·op(B) + β·C, with op = transpose where transA/transB is set.
    public static Value?[] Gemm(GradientContext c)
    {
        var g = c.Graph;
        var a = c.Input(0);
        var b = c.Input(1);
        var dy = c.Dy;
        float alpha = c.Float("alpha", 1f);
        float beta = c.Float("beta", 1f);
        bool transA = c.Int("transA", 0) != 0;
        bool transB = c.Int("transB", 0) != 0;
        var (da, db) = (transA, transB) switch
        {
            (false, false) => (g.Gemm(dy, b, transB: true, alpha: alpha), g.Gemm(a, dy, transA: true, alpha: alpha)),
            (false, true) => (g.Gemm(dy, b, alpha: alpha), g.Gemm(dy, a, transA: true, alpha: alpha)),
            (true, false) => (g.Gemm(b, dy, transB: true, alpha: alpha), g.Gemm(a, dy, alpha: alpha)),
            (true, true) => (g.Gemm(b, dy, transA: true, transB: true, alpha: alpha), g.Gemm(dy, a, transA: true, transB: true, alpha: alpha)),
        };
        Value? dc = null;
        if (c.HasInput(2))
            dc = c.ReduceTo(beta == 1f ? dy : g.Mul(dy, g.Constant(beta)), c.Input(2));
        return [da, db, dc];
    }

    private static Value SwapLastTwo(GraphBuilder g, Value x)
    {
        var rank = g.TypeOf(x)?.Rank ?? 2;
        var perm = Enumerable.Range(0, rank).Select(k => (long)k).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return g.Transpose(x, perm);
    }
}
