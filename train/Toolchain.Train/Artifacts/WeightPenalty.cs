using Toolchain.Graph;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// L1, L2 and elastic-net penalties added to the training loss: l1·Σ|w| + l2·Σw², over weights, and
/// over biases too when the recipe asks. Built from ops with gradient rules, so autodiff covers it.
/// </summary>
public sealed record WeightPenalty(double L1, double L2, bool ApplyToBiases)
{
    public static readonly WeightPenalty None = new(0, 0, false);

    public bool IsActive => L1 > 0 || L2 > 0;

    public Value AddTo(GraphBuilder g, Value loss, IReadOnlyList<ParameterInfo> parameters)
    {
        if (!IsActive) return loss;
        foreach (var p in parameters.Where(p => p.Decays || ApplyToBiases))
        {
            var w = new Value(p.Name);
            if (L2 > 0) loss = g.Add(loss, g.Mul(g.Constant((float)L2), g.ReduceSumAll(g.Mul(w, w))));
            if (L1 > 0) loss = g.Add(loss, g.Mul(g.Constant((float)L1), g.ReduceSumAll(g.Abs(w))));
        }
        return loss;
    }
}
