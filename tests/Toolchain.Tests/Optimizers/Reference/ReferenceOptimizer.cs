namespace Toolchain.Tests.Optimizers.Reference;

/// <summary>
/// A plain double-precision implementation of one torch.optim algorithm, written from the pseudocode in
/// PyTorch's documentation and independent of the ONNX code under test. State is kept per parameter
/// under PyTorch's state-dict names (exp_avg, momentum_buffer, sum, ...); t counts steps from 1.
/// </summary>
internal abstract class ReferenceOptimizer
{
    private readonly List<Dictionary<string, double[]>> state = [];

    protected int T { get; private set; }

    public void Step(IReadOnlyList<double[]> parameters, IReadOnlyList<double[]> grads, IReadOnlyList<bool> decays, double lr)
    {
        T++;
        while (state.Count < parameters.Count) state.Add([]);
        for (int i = 0; i < parameters.Count; i++)
            Update(parameters[i], grads[i].ToArray(), decays[i], lr, state[i]);
    }

    public IReadOnlyDictionary<string, double[]> State(int parameter) => state[parameter];

    /// <summary>One step for one parameter, in place; <paramref name="g"/> is a private copy of the gradient.</summary>
    protected abstract void Update(double[] theta, double[] g, bool decays, double lr, Dictionary<string, double[]> state);

    protected static double[] Get(Dictionary<string, double[]> state, string name, int size, double initial = 0) =>
        state.TryGetValue(name, out var existing) ? existing : state[name] = Enumerable.Repeat(initial, size).ToArray();

    protected static void AddWeightDecay(double[] g, double[] theta, double weightDecay)
    {
        for (int k = 0; k < g.Length; k++) g[k] += weightDecay * theta[k];
    }
}
