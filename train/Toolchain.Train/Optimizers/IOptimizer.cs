using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// An optimizer as data plus a pure update: hyperparameters are fixed at construction (and validated
/// there); <see cref="Update"/> emits the ONNX nodes (param, grad, state) → (param', state') for one
/// parameter. The learning rate and step count are graph inputs, so schedules need no regeneration.
/// </summary>
public interface IOptimizer
{
    /// <summary>The recipe name, e.g. "adam".</summary>
    string Name { get; }

    /// <summary>Per-parameter state tensors (each shaped like the parameter), e.g. exp_avg, exp_avg_sq.</summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>The value a state tensor starts from before the first step.</summary>
    float InitialState(string stateName) => 0f;

    /// <param name="lr">float32 scalar learning rate.</param>
    /// <param name="step">float32 scalar: the 1-based number of this update, for bias corrections.</param>
    OptimizerUpdate Update(GraphBuilder graph, ParameterSlot slot, Value lr, Value step);
}

/// <summary>One parameter as the optimizer sees it: its value, its gradient and its state, in <see cref="IOptimizer.StateNames"/> order.</summary>
/// <param name="Decays">Whether weight decay applies (weights yes, biases and norms no, unless the recipe says otherwise).</param>
public sealed record ParameterSlot(string Name, Value Parameter, Value Gradient, IReadOnlyList<Value> State, bool Decays);

/// <summary>The new parameter value and the new state, in <see cref="IOptimizer.StateNames"/> order.</summary>
public sealed record OptimizerUpdate(Value Parameter, IReadOnlyList<Value> State);
