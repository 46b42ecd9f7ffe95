using Toolchain.Graph;

namespace Toolchain.Train.Optimizers;

/// <summary>
/// An optimizer as data plus a pure update: hyperparameters are fixed at construction (and validated
/// there); <see cref="Update"/> emits the ONNX nodes (param, grad, state) → (param', state') for one
/// parameter. What changes from step to step (the scheduled learning rate, bias corrections) enters
/// as float scalar graph inputs computed on the host by <see cref="ComputeScalars"/>, so schedules
/// need no regeneration and the graph spends no nodes on scalar arithmetic.
/// </summary>
public interface IOptimizer
{
    /// <summary>The recipe name, e.g. "adam".</summary>
    string Name { get; }

    /// <summary>Per-parameter state tensors (each shaped like the parameter), e.g. exp_avg, exp_avg_sq.</summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>The value a state tensor starts from before the first step.</summary>
    float InitialState(string stateName) => 0f;

    /// <summary>Names of the per-step float scalars the update reads (graph inputs of the optimizer and train-step graphs).</summary>
    IReadOnlyList<string> ScalarNames { get; }

    /// <summary>Fills <paramref name="values"/> (in <see cref="ScalarNames"/> order) for update number <paramref name="step"/> (1-based) at learning rate <paramref name="lr"/>.</summary>
    void ComputeScalars(double lr, long step, Span<float> values);

    OptimizerUpdate Update(GraphBuilder graph, ParameterSlot slot, StepScalars scalars);
}

/// <summary>One parameter as the optimizer sees it: its value, its gradient and its state, in <see cref="IOptimizer.StateNames"/> order.</summary>
/// <param name="Decays">Whether weight decay applies (weights yes, biases and norms no, unless the recipe says otherwise).</param>
public sealed record ParameterSlot(string Name, Value Parameter, Value Gradient, IReadOnlyList<Value> State, bool Decays);

/// <summary>The new parameter value and the new state, in <see cref="IOptimizer.StateNames"/> order.</summary>
public sealed record OptimizerUpdate(Value Parameter, IReadOnlyList<Value> State);
