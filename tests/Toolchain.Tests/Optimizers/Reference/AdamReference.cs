using Toolchain.Recipes;

namespace Toolchain.Tests.Optimizers.Reference;

/// <summary>
/// torch.optim.Adam and torch.optim.AdamW (<paramref name="decoupled"/>): Adam adds λθ to g, AdamW first
/// sets θ ← θ(1 − γλ); m, v moving averages; AMSGrad keeps max(v_max, v); θ −= γ·m̂ / (√v̂ + ε).
/// </summary>
internal sealed class AdamReference(OptimizerSection o, bool decoupled) : ReferenceOptimizer
{
    protected override void Update(double[] theta, double[] g, bool decays, double lr, Dictionary<string, double[]> state)
    {
        double beta1 = o.Betas[0], beta2 = o.Betas[1], lambda = decays ? o.WeightDecay : 0;
        if (decoupled)
            for (int k = 0; k < theta.Length; k++) theta[k] *= 1 - lr * lambda;
        else if (lambda != 0)
            AddWeightDecay(g, theta, lambda);

        var m = Get(state, "exp_avg", theta.Length);
        var v = Get(state, "exp_avg_sq", theta.Length);
        var vMax = o.Amsgrad ? Get(state, "max_exp_avg_sq", theta.Length) : null;
        for (int k = 0; k < theta.Length; k++)
        {
            m[k] = beta1 * m[k] + (1 - beta1) * g[k];
            v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k];
            double mHat = m[k] / (1 - Math.Pow(beta1, T));
            double vHat;
            if (vMax is not null)
            {
                vMax[k] = Math.Max(vMax[k], v[k]);
                vHat = vMax[k] / (1 - Math.Pow(beta2, T));
            }
            else vHat = v[k] / (1 - Math.Pow(beta2, T));
            theta[k] -= lr * mHat / (Math.Sqrt(vHat) + o.Eps);
        }
    }
}
