using Toolchain.Recipes;

namespace Toolchain.Tests.Optimizers.Reference;

/// <summary>torch.optim.SGD: g += λθ; b = g on step 1, else μb + (1 − τ)g; Nesterov uses g + μb; θ −= γ·(that).</summary>
internal sealed class SgdReference(OptimizerSection o) : ReferenceOptimizer
{
    protected override void Update(double[] theta, double[] g, bool decays, double lr, Dictionary<string, double[]> state)
    {
        if (decays && o.WeightDecay != 0) AddWeightDecay(g, theta, o.WeightDecay);
        if (o.Momentum != 0)
        {
            bool first = !state.ContainsKey("momentum_buffer");
            var b = Get(state, "momentum_buffer", theta.Length);
            for (int k = 0; k < g.Length; k++)
            {
                b[k] = first ? g[k] : o.Momentum * b[k] + (1 - o.Dampening) * g[k];
                g[k] = o.Nesterov ? g[k] + o.Momentum * b[k] : b[k];
            }
        }
        for (int k = 0; k < theta.Length; k++) theta[k] -= lr * g[k];
    }
}
