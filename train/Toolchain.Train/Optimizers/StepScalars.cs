using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>The graph inputs that carry an optimizer's per-step scalars (<see cref="IOptimizer.ScalarNames"/>), by name.</summary>
public sealed class StepScalars
{
    private readonly Dictionary<string, Value> inputs;

    private StepScalars(Dictionary<string, Value> inputs) => this.inputs = inputs;

    /// <summary>Declares one float scalar graph input per name of <paramref name="optimizer"/>.</summary>
    public static StepScalars DeclareInputs(GraphBuilder g, IOptimizer optimizer) =>
        new(optimizer.ScalarNames.ToDictionary(name => name, name => g.Input(name, ElementType.Float)));

    public Value this[string name] => inputs.TryGetValue(name, out var value) ? value
        : throw new ArgumentException($"no step scalar '{name}'; declared: {string.Join(", ", inputs.Keys)}", nameof(name));
}
