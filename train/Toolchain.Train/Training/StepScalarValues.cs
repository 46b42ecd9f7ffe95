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
    private readonly float[] scalars;
    private readonly OrtValue[] values;

    public StepScalarValues(IOptimizer optimizer)
    {
        this.optimizer = optimizer;
        Names = optimizer.ScalarNames;
        scalars = new float[Names.Count];
        values = Enumerable.Range(0, scalars.Length)
            .Select(i => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, scalars.AsMemory(i, 1), [])).ToArray();
    }

    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<OrtValue> Values => values;

    /// <param name="step">1-based number of the update.</param>
    public void Set(double lr, long step) => optimizer.ComputeScalars(lr, step, scalars);

    public void BindTo(OrtIoBinding binding)
    {
        for (int i = 0; i < values.Length; i++) binding.BindInput(Names[i], values[i]);
    }

    public void Dispose()
    {
        foreach (var value in values) value.Dispose();
    }
}
