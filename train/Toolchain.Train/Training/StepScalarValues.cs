using Microsoft.ML.OnnxRuntime;
using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Training;

/// <summary>
/// The optimizer's per-step scalars (<see cref="IOptimizer.ScalarNames"/>) as pinned scalar OrtValues that stay
/// bound to the step graphs; <see cref="Set"/> recomputes them on the host before each step.
/// </summary>
public sealed class StepScalarValues : IDisposable
{
    private readonly IOptimizer optimizer;
    private readonly float[] computed;
    private readonly float[][] buffers;
    private readonly OrtValue[] values;

    public StepScalarValues(IOptimizer optimizer)
    {
        this.optimizer = optimizer;
        Names = optimizer.ScalarNames;
        computed = new float[Names.Count];
        buffers = Names.Select(_ => new float[1]).ToArray();
        values = buffers.Select(b => OrtValue.CreateTensorValueFromMemory(b, [])).ToArray();
    }

    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<OrtValue> Values => values;

    /// <param name="step">1-based number of the update.</param>
    public void Set(double lr, long step)
    {
        optimizer.ComputeScalars(lr, step, computed);
        for (int i = 0; i < computed.Length; i++) buffers[i][0] = computed[i];
    }

    public void BindTo(OrtIoBinding binding)
    {
        for (int i = 0; i < values.Length; i++) binding.BindInput(Names[i], values[i]);
    }

    public void Dispose()
    {
        foreach (var value in values) value.Dispose();
    }
}
