using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
/// decay, in PyTorch's form (v = μv + (1 − dampening)g; dampening = μ gives the averaged form).
/// </summary>
public sealed class Sgd : IOptimizer
{
    public Sgd(double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0)
    {
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "optimizer.momentum must be in [0, 1)");
        if (dampening is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "optimizer.dampening must be in [0, 1]");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("optimizer.nesterov needs optimizer.momentum > 0 and optimizer.dampening = 0");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "optimizer.weight_decay must be ≥ 0");
        (Momentum, Dampening, Nesterov, WeightDecay) = (momentum, dampening, nesterov, weightDecay);
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public bool Nesterov { get; }
    public double WeightDecay { get; }

    public string Name => "sgd";

    public IReadOnlyList<string> StateNames => Momentum > 0 ? ["momentum_buffer"] : [];

    public OptimizerUpdate Update(GraphBuilder g, ParameterSlot slot, Value lr, Value step)
    {
        var grad = slot.Gradient;
        if (slot.Decays && WeightDecay > 0)
            grad = g.Add(grad, g.Mul(slot.Parameter, g.Constant((float)WeightDecay)));
        if (Momentum == 0)
            return new OptimizerUpdate(g.Sub(slot.Parameter, g.Mul(lr, grad)), []);

        // PyTorch starts the buffer at the first gradient itself (no dampening on step 1).
        var isFirst = g.Op("Equal", step, g.Constant(1f));
        var decayed = g.Add(g.Mul(slot.State[0], g.Constant((float)Momentum)), g.Mul(grad, g.Constant((float)(1 - Dampening))));
        var buffer = g.Op("Where", isFirst, grad, decayed);
        var direction = Nesterov ? g.Add(grad, g.Mul(buffer, g.Constant((float)Momentum))) : buffer;
        return new OptimizerUpdate(g.Sub(slot.Parameter, g.Mul(lr, direction)), [buffer]);
    }
}
