using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Graph;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Optimizers;

/// <summary>
/// The optimizer's update nodes for a few parameters as a standalone ONNX graph
/// (inputs: params, grads, states, the step scalars; outputs: new params and states), run on ONNX Runtime's
/// CPU provider. It holds the current parameters and states and feeds the outputs back on each step.
/// </summary>
internal sealed class OptimizerGraph : IDisposable
{
    private readonly InferenceSession session;
    private readonly IOptimizer optimizer;
    private readonly IReadOnlyList<ParameterSpec> parameters;
    private readonly IReadOnlyList<string> stateNames;
    private readonly float[][] values;
    private readonly float[][][] states;

    public OptimizerGraph(IOptimizer optimizer, IReadOnlyList<ParameterSpec> parameters, IReadOnlyList<float[]> initial)
    {
        this.parameters = parameters;
        stateNames = optimizer.StateNames;
        values = initial.Select(v => v.ToArray()).ToArray();
        states = parameters.Select(p => stateNames.Select(s => Enumerable.Repeat(optimizer.InitialState(s), p.Size).ToArray()).ToArray()).ToArray();

        var g = new GraphBuilder("optimizer_step");
        this.optimizer = optimizer;
        var scalars = StepScalars.DeclareInputs(g, optimizer);
        foreach (var p in parameters)
        {
            var dims = p.Shape.Select(d => (Dim)d).ToArray();
            var value = g.Input(p.Name, ElementType.Float, dims);
            var grad = g.Input($"{p.Name}.grad", ElementType.Float, dims);
            var state = stateNames.Select(s => g.Input($"{p.Name}.{s}", ElementType.Float, dims)).ToArray();
            var update = optimizer.Update(g, new ParameterSlot(p.Name, value, grad, state, p.Decays), scalars);
            if (update.State.Count != stateNames.Count)
                throw new InvalidOperationException($"{optimizer.Name} returned {update.State.Count} states for '{p.Name}', expected {stateNames.Count}");
            g.Output(update.Parameter, $"{p.Name}.new");
            for (int s = 0; s < stateNames.Count; s++) g.Output(update.State[s], $"{p.Name}.{stateNames[s]}.new");
        }
        session = new InferenceSession(g.ToModel().ToByteArray());
    }

    public float[] Parameter(int index) => values[index];

    public float[] State(int index, string stateName) => states[index][IndexOf(stateName)];

    /// <summary>Runs one update with the given gradients; <paramref name="step"/> is the 1-based update count.</summary>
    public void Step(IReadOnlyList<float[]> grads, float lr, long step)
    {
        var scalars = new float[optimizer.ScalarNames.Count];
        optimizer.ComputeScalars(lr, step, scalars);
        var names = optimizer.ScalarNames.ToList();
        var inputs = scalars.Select(value => OrtValue.CreateTensorValueFromMemory(new[] { value }, [])).ToList();
        var outputNames = new List<string>();
        try
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                Feed(p.Name, values[i], p.Shape);
                Feed($"{p.Name}.grad", grads[i], p.Shape);
                outputNames.Add($"{p.Name}.new");
                for (int s = 0; s < stateNames.Count; s++)
                {
                    Feed($"{p.Name}.{stateNames[s]}", states[i][s], p.Shape);
                    outputNames.Add($"{p.Name}.{stateNames[s]}.new");
                }
            }
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, names, inputs, outputNames);
            int k = 0;
            for (int i = 0; i < parameters.Count; i++)
            {
                values[i] = outputs[k++].GetTensorDataAsSpan<float>().ToArray();
                for (int s = 0; s < stateNames.Count; s++) states[i][s] = outputs[k++].GetTensorDataAsSpan<float>().ToArray();
            }
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }

        void Feed(string name, float[] data, long[] shape)
        {
            names.Add(name);
            inputs.Add(OrtValue.CreateTensorValueFromMemory(data.ToArray(), shape));
        }
    }

    public void Dispose() => session.Dispose();

    private int IndexOf(string stateName)
    {
        for (int s = 0; s < stateNames.Count; s++)
            if (stateNames[s] == stateName) return s;
        throw new ArgumentException($"no state '{stateName}'; the optimizer has [{string.Join(", ", stateNames)}]", nameof(stateName));
    }
}
