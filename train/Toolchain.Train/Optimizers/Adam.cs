using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba), optionally with AMSGrad, and AdamW as its decoupled-weight-decay setting:
/// the same moment updates, only where the decay enters differs (PyTorch's torch.optim.Adam/AdamW).
/// Adam adds λθ to the gradient (L2); AdamW shrinks the parameter by (1 − lr·λ) before the step.
/// AMSGrad keeps the running maximum of the raw second moment and bias-corrects that, as PyTorch does.
/// </summary>
public sealed class Adam : IOptimizer
{
    public Adam(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool decoupled = false, bool amsgrad = false)
    {
        Hyperparameter.Require(beta1 is >= 0 and < 1, "optimizer.betas[0]", "a number in [0, 1)", beta1);
        Hyperparameter.Require(beta2 is >= 0 and < 1, "optimizer.betas[1]", "a number in [0, 1)", beta2);
        Hyperparameter.Require(eps > 0, "optimizer.eps", "a positive number", eps);
        Hyperparameter.Require(weightDecay >= 0, "optimizer.weight_decay", "a number ≥ 0", weightDecay);
        (Beta1, Beta2, Eps, WeightDecay, Decoupled, AmsGrad) = (beta1, beta2, eps, weightDecay, decoupled, amsgrad);
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }
    public bool Decoupled { get; }
    public bool AmsGrad { get; }

    public string Name => Decoupled ? "adamw" : "adam";

    public IReadOnlyList<string> StateNames => AmsGrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];

    public OptimizerUpdate Update(GraphBuilder g, ParameterSlot slot, Value lr, Value step)
    {
        var param = slot.Parameter;
        var grad = slot.Gradient;
        bool decays = slot.Decays && WeightDecay > 0;
        if (decays && !Decoupled)
            grad = g.Add(grad, g.Mul(param, g.Constant((float)WeightDecay)));
        if (decays && Decoupled)
            param = g.Mul(param, g.Sub(g.Constant(1f), g.Mul(lr, g.Constant((float)WeightDecay))));

        var m = g.Add(g.Mul(slot.State[0], g.Constant((float)Beta1)), g.Mul(grad, g.Constant((float)(1 - Beta1))));
        var v = g.Add(g.Mul(slot.State[1], g.Constant((float)Beta2)), g.Mul(g.Mul(grad, grad), g.Constant((float)(1 - Beta2))));
        var vForDenominator = v;
        Value? vMax = null;
        if (AmsGrad) vForDenominator = vMax = g.Op("Max", slot.State[2], v);

        // PyTorch's update p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps), rearranged so the
        // per-step scalars are computed once for all parameters and each tensor takes one pass fewer:
        // p − [lr·sqrt(1 − β2^t)/(1 − β1^t)] · m / (sqrt(v) + eps·sqrt(1 − β2^t)).
        var (stepScale, scaledEps) = g.Shared((nameof(Adam), Beta1, Beta2, Eps, lr.Name, step.Name), () =>
        {
            var correction1 = g.Sub(g.Constant(1f), g.Pow(g.Constant((float)Beta1), step));
            var sqrtCorrection2 = g.Sqrt(g.Sub(g.Constant(1f), g.Pow(g.Constant((float)Beta2), step)));
            return (g.Div(g.Mul(lr, sqrtCorrection2), correction1), g.Mul(sqrtCorrection2, g.Constant((float)Eps)));
        });
        var denominator = g.Add(g.Sqrt(vForDenominator), scaledEps);
        var updated = g.Sub(param, g.Mul(stepScale, g.Div(m, denominator)));
        return new OptimizerUpdate(updated, vMax is null ? [m, v] : [m, v, vMax]);
    }
}
