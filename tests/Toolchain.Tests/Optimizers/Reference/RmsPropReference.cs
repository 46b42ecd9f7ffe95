using Toolchain.Recipes;

namespace Toolchain.Tests.Optimizers.Reference;

/// <summary>
/// torch.optim.RMSprop: g += λθ; v = αv + (1 − α)g²; centered: g_avg = α·g_avg + (1 − α)g, ṽ = v − g_avg²;
/// with μ &gt; 0: b = μb + g/(√ṽ + ε), θ −= γb (b starts at 0); otherwise θ −= γ·g/(√ṽ + ε).
/// </summary>
internal sealed class RmsPropReference(OptimizerSection o) : ReferenceOptimizer
{
    protected override void Update(double[] theta, double[] g, bool decays, double lr, Dictionary<string, double[]> state)
    {
        double alpha = o.Alpha;
        if (decays && o.WeightDecay != 0) AddWeightDecay(g, theta, o.WeightDecay);
        var v = Get(state, "square_avg", theta.Length);
        var gAvg = o.Centered ? Get(state, "grad_avg", theta.Length) : null;
        var b = o.Momentum > 0 ? Get(state, "momentum_buffer", theta.Length) : null;
        for (int k = 0; k < theta.Length; k++)
        {
            v[k] = alpha * v[k] + (1 - alpha) * g[k] * g[k];
            double vTilde = v[k];
            if (gAvg is not null)
            {
                gAvg[k] = alpha * gAvg[k] + (1 - alpha) * g[k];
                vTilde -= gAvg[k] * gAvg[k];
            }
            double scaled = g[k] / (Math.Sqrt(vTilde) + o.Eps);
            if (b is not null)
            {
                b[k] = o.Momentum * b[k] + scaled;
                theta[k] -= lr * b[k];
            }
            else theta[k] -= lr * scaled;
        }
    }
}
