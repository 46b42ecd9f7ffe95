using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// Adagrad as PyTorch's torch.optim.Adagrad: the step size decays as lr / (1 + (t − 1)·lr_decay),
/// squared gradients accumulate in a sum that starts at initial_accumulator_value, and the update is
/// θ ← θ − clr · g / (√sum + eps), with optional L2 weight decay added to the gradient.
/// </summary>
public sealed class Adagrad : IOptimizer
{
    public Adagrad(double lrDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10, double weightDecay = 0)
    {
        Hyperparameter.Require(lrDecay >= 0 && double.IsFinite(lrDecay), "optimizer.lr_decay", "a number ≥ 0", lrDecay);
        Hyperparameter.Require(initialAccumulatorValue >= 0 && double.IsFinite(initialAccumulatorValue),
            "optimizer.initial_accumulator_value", "a number ≥ 0", initialAccumulatorValue);
        Hyperparameter.Require(eps > 0, "optimizer.eps", "a positive number", eps);
        Hyperparameter.Require(weightDecay >= 0, "optimizer.weight_decay", "a number ≥ 0", weightDecay);
        (LrDecay, InitialAccumulatorValue, Eps, WeightDecay) = (lrDecay, initialAccumulatorValue, eps, weightDecay);
    }

    public double LrDecay { get; }
    public double InitialAccumulatorValue { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    public string Name => "adagrad";

    public IReadOnlyList<string> StateNames => ["sum"];

    public float InitialState(string stateName) => stateName == "sum"
        ? (float)InitialAccumulatorValue
        : throw new ArgumentException($"adagrad has no state '{stateName}'; its state is 'sum'", nameof(stateName));

    public IReadOnlyList<string> ScalarNames => ["clr"];

    public void ComputeScalars(double lr, long step, Span<float> values) => values[0] = (float)(lr / (1 + (step - 1) * LrDecay));

    public OptimizerUpdate Update(GraphBuilder g, ParameterSlot slot, StepScalars scalars)
    {
        var grad = slot.Gradient;
        if (slot.Decays && WeightDecay > 0)
            grad = g.Add(grad, g.Mul(slot.Parameter, g.Constant((float)WeightDecay)));

        var clr = scalars["clr"];
        var sum = g.Add(slot.State[0], g.Mul(grad, grad));
        var denominator = g.Add(g.Sqrt(sum), g.Constant((float)Eps));
        var updated = g.Sub(slot.Parameter, g.Mul(clr, g.Div(grad, denominator)));
        return new OptimizerUpdate(updated, [sum]);
    }
}
