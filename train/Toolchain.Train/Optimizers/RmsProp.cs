using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// RMSprop as PyTorch's torch.optim.RMSprop: v = αv + (1 − α)g²; centered subtracts the square of the
/// running gradient mean (g_avg = α·g_avg + (1 − α)g); the denominator is √ṽ + eps (eps outside the root);
/// with momentum μ &gt; 0 a buffer b = μb + g/(√ṽ + eps) (starting at 0) carries the step. Optional L2
/// weight decay is added to the gradient.
/// </summary>
public sealed class RmsProp : IOptimizer
{
    public RmsProp(double alpha = 0.99, double eps = 1e-8, double momentum = 0, bool centered = false, double weightDecay = 0)
    {
        Hyperparameter.Require(alpha is >= 0 and < 1, "optimizer.alpha", "a number in [0, 1)", alpha);
        Hyperparameter.Require(eps > 0, "optimizer.eps", "a positive number", eps);
        Hyperparameter.Require(momentum is >= 0 and < 1, "optimizer.momentum", "a number in [0, 1)", momentum);
        Hyperparameter.Require(weightDecay >= 0, "optimizer.weight_decay", "a number ≥ 0", weightDecay);
        (Alpha, Eps, Momentum, Centered, WeightDecay) = (alpha, eps, momentum, centered, weightDecay);
        var names = new List<string> { "square_avg" };
        if (momentum > 0) names.Add("momentum_buffer");
        if (centered) names.Add("grad_avg");
        StateNames = names;
    }

    public double Alpha { get; }
    public double Eps { get; }
    public double Momentum { get; }
    public bool Centered { get; }
    public double WeightDecay { get; }

    public string Name => "rmsprop";

    /// <summary>square_avg, then momentum_buffer when momentum &gt; 0, then grad_avg when centered.</summary>
    public IReadOnlyList<string> StateNames { get; }

    public IReadOnlyList<string> ScalarNames => ["lr"];

    public void ComputeScalars(double lr, long step, Span<float> values) => values[0] = (float)lr;

    public OptimizerUpdate Update(GraphBuilder g, ParameterSlot slot, StepScalars scalars)
    {
        var lr = scalars["lr"];
        var grad = slot.Gradient;
        if (slot.Decays && WeightDecay > 0)
            grad = g.Add(grad, g.Mul(slot.Parameter, g.Constant((float)WeightDecay)));

        int next = 0;
        var squareAvg = g.Add(g.Mul(slot.State[next++], g.Constant((float)Alpha)), g.Mul(g.Mul(grad, grad), g.Constant((float)(1 - Alpha))));
        var variance = squareAvg;
        var buffer = Momentum > 0 ? slot.State[next++] : null;
        Value? gradAvg = null;
        if (Centered)
        {
            gradAvg = g.Add(g.Mul(slot.State[next], g.Constant((float)Alpha)), g.Mul(grad, g.Constant((float)(1 - Alpha))));
            variance = g.Sub(squareAvg, g.Mul(gradAvg, gradAvg));
        }
        var scaled = g.Div(grad, g.Add(g.Sqrt(variance), g.Constant((float)Eps)));

        var state = new List<Value> { squareAvg };
        if (buffer is not null)
        {
            scaled = g.Add(g.Mul(buffer, g.Constant((float)Momentum)), scaled);
            state.Add(scaled);
        }
        if (gradAvg is not null) state.Add(gradAvg);
        return new OptimizerUpdate(g.Sub(slot.Parameter, g.Mul(lr, scaled)), state);
    }
}
