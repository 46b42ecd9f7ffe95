using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// Stochastic gradient descent as PyTorch's torch.optim.SGD: optional L2 weight decay, momentum with
/// dampening (b = μb + (1 − dampening)g, b₁ = g), and Nesterov momentum (g + μb). Setting
/// dampening = momentum gives the averaged form b = βb + (1 − β)g.
/// </summary>
public sealed class Sgd : IOptimizer
{
    public Sgd(double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0)
    {
        Hyperparameter.Require(momentum is >= 0 and < 1, "optimizer.momentum", "a number in [0, 1)", momentum);
        Hyperparameter.Require(dampening is >= 0 and <= 1, "optimizer.dampening", "a number in [0, 1]", dampening);
        Hyperparameter.Require(!nesterov || (momentum > 0 && dampening == 0), "optimizer.nesterov",
            "false unless optimizer.momentum > 0 and optimizer.dampening = 0", $"true with momentum {momentum} and dampening {dampening}");
        Hyperparameter.Require(weightDecay >= 0, "optimizer.weight_decay", "a number ≥ 0", weightDecay);
        (Momentum, Dampening, Nesterov, WeightDecay) = (momentum, dampening, nesterov, weightDecay);
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public bool Nesterov { get; }
    public double WeightDecay { get; }

    public string Name => "sgd";

    public IReadOnlyList<string> StateNames => Momentum > 0 ? ["momentum_buffer"] : [];

    public IReadOnlyList<string> ScalarNames => Momentum > 0 ? ["lr", "momentum", "dampening_complement"] : ["lr"];

    // PyTorch starts the buffer at the first gradient itself (no dampening on step 1): momentum 0 and
    // 1 − dampening = 1 on that step turn the buffer update into b = g without a branch in the graph.
    public void ComputeScalars(double lr, long step, Span<float> values)
    {
        values[0] = (float)lr;
        if (Momentum == 0) return;
        values[1] = step == 1 ? 0f : (float)Momentum;
        values[2] = step == 1 ? 1f : (float)(1 - Dampening);
    }

    public OptimizerUpdate Update(GraphBuilder g, ParameterSlot slot, StepScalars scalars)
    {
        var lr = scalars["lr"];
        var grad = slot.Gradient;
        if (slot.Decays && WeightDecay > 0)
            grad = g.Add(grad, g.Mul(slot.Parameter, g.Constant((float)WeightDecay)));
        if (Momentum == 0)
            return new OptimizerUpdate(g.Sub(slot.Parameter, g.Mul(lr, grad)), []);

        var buffer = g.Add(g.Mul(slot.State[0], scalars["momentum"]), g.Mul(grad, scalars["dampening_complement"]));
        var direction = Nesterov ? g.Add(grad, g.Mul(buffer, g.Constant((float)Momentum))) : buffer;
        return new OptimizerUpdate(g.Sub(slot.Parameter, g.Mul(lr, direction)), [buffer]);
    }
}
