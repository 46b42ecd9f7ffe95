using Toolchain.Recipes;

namespace Toolchain.Tests.Optimizers.Reference;

/// <summary>torch.optim.Adagrad: γ̃ = γ / (1 + (t − 1)η); g += λθ; sum starts at τ and adds g²; θ −= γ̃·g / (√sum + ε).</summary>
internal sealed class AdagradReference(OptimizerSection o) : ReferenceOptimizer
{
    protected override void Update(double[] theta, double[] g, bool decays, double lr, Dictionary<string, double[]> state)
    {
        double clr = lr / (1 + (T - 1) * o.LrDecay);
        if (decays && o.WeightDecay != 0) AddWeightDecay(g, theta, o.WeightDecay);
        var sum = Get(state, "sum", theta.Length, o.InitialAccumulatorValue);
        for (int k = 0; k < theta.Length; k++)
        {
            sum[k] += g[k] * g[k];
            theta[k] -= clr * g[k] / (Math.Sqrt(sum[k]) + o.Eps);
        }
    }
}
