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

    public IReadOnlyList<string> ScalarNames => Decoupled && WeightDecay > 0 ? ["step_size", "eps_hat", "decay_factor"] : ["step_size", "eps_hat"];

    // PyTorch's update p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps), rearranged so each tensor takes
    // one pass fewer: p − step_size · m / (sqrt(v) + eps_hat), with step_size = lr·sqrt(1 − β2^t)/(1 − β1^t)
    // and eps_hat = eps·sqrt(1 − β2^t) computed here in double precision.
    public void ComputeScalars(double lr, long step, Span<float> values)
    {
        double sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(Beta2, step));
        values[0] = (float)(lr * sqrtCorrection2 / (1 - Math.Pow(Beta1, step)));
        values[1] = (float)(Eps * sqrtCorrection2);
        if (values.Length > 2) values[2] = (float)(1 - lr * WeightDecay);
    }

    public OptimizerUpdate Update(GraphBuilder g, ParameterSlot slot, StepScalars scalars)
    {
        var param = slot.Parameter;
        var grad = slot.Gradient;
        bool decays = slot.Decays && WeightDecay > 0;
        if (decays && !Decoupled)
            grad = g.Add(grad, g.Mul(param, g.Constant((float)WeightDecay)));
        if (decays && Decoupled)
            param = g.Mul(param, scalars["decay_factor"]);

        var m = g.Add(g.Mul(slot.State[0], g.Constant((float)Beta1)), g.Mul(grad, g.Constant((float)(1 - Beta1))));
        var v = g.Add(g.Mul(slot.State[1], g.Constant((float)Beta2)), g.Mul(g.Mul(grad, grad), g.Constant((float)(1 - Beta2))));
        var vForDenominator = v;
        Value? vMax = null;
        if (AmsGrad) vForDenominator = vMax = g.Op("Max", slot.State[2], v);

        var denominator = g.Add(g.Sqrt(vForDenominator), scalars["eps_hat"]);
        var updated = g.Sub(param, g.Mul(scalars["step_size"], g.Div(m, denominator)));
        return new OptimizerUpdate(updated, vMax is null ? [m, v] : [m, v, vMax]);
    }
}
