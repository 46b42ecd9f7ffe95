using Microsoft.ML.OnnxRuntime;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Data;
using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Training;

/// <summary>
/// Runs the fused train step graph: one Run per step through IOBinding, with parameters and
/// optimizer state double-buffered in <see cref="ParameterState"/>, and each batch prepared in pinned buffers by
/// <see cref="BatchPrefetcher"/> while the step before it runs. The hot loop allocates nothing.
/// </summary>
public sealed class TrainStepRunner : IStepRunner
{
    private readonly InferenceSession session;
    private readonly ArtifactManifest manifest;
    private readonly ParameterState state;
    private readonly BatchPrefetcher batches;
    private readonly RunOptions runOptions = new();
    private readonly StepScalarValues scalars;
    private readonly float[] loss = new float[1];
    private readonly OrtValue lossValue;
    private readonly float[] gradientNorm = new float[1];
    private readonly OrtValue gradientNormValue;
    private readonly Dictionary<BatchBuffers, OrtIoBinding[]> bindingsByBatch = [];

    public TrainStepRunner(InferenceSession session, ArtifactManifest manifest, ParameterState state, IOptimizer optimizer,
        BatchAugmentation? augmentation = null)
    {
        scalars = new StepScalarValues(optimizer);
        batches = new BatchPrefetcher(manifest, augmentation, state.Memory);
        this.session = session;
        this.manifest = manifest;
        this.state = state;
        lossValue = OrtValue.CreateTensorValueFromMemory(loss, []);
        gradientNormValue = OrtValue.CreateTensorValueFromMemory(gradientNorm, []);
    }

    public float? GradientNorm => manifest.GradientNorm ? gradientNorm[0] : null;

    /// <summary>Runs one optimizer step on the samples at <paramref name="indices"/> and returns the batch loss.</summary>
    /// <param name="step">1-based number of this update.</param>
    public float Step(float[] features, float[] labels, ReadOnlySpan<int> indices, float lr, long step, ReadOnlySpan<int> nextIndices)
    {
        var buffers = batches.Take(features, labels, indices, step);
        batches.Prefetch(features, labels, nextIndices, step + 1);
        scalars.Set(lr, step);
        var binding = BindingsFor(buffers)[state.Current];
        // ONNX Runtime copies a host input to the device when it is bound, not when the step runs: with the state on
        // the device the session runs there, so the batch and the step scalars are bound afresh each step.
        if (state.Memory is not null) BindHostInputs(binding, buffers);
        session.RunWithBinding(runOptions, binding);
        state.Swap();
        return loss[0];
    }

    private OrtIoBinding[] BindingsFor(BatchBuffers buffers)
    {
        if (bindingsByBatch.TryGetValue(buffers, out var existing)) return existing;
        var bindings = new OrtIoBinding[2];
        for (int set = 0; set < 2; set++)
        {
            var binding = session.CreateIoBinding();
            BindHostInputs(binding, buffers);
            binding.BindOutput(ArtifactNames.Loss, lossValue);
            if (manifest.GradientNorm) binding.BindOutput(ArtifactNames.GradientNorm, gradientNormValue);
            foreach (var name in state.Names)
            {
                binding.BindInput(name, state.Value(name, set));
                binding.BindOutput(ArtifactNames.Next(name), state.Value(name, 1 - set));
            }
            bindings[set] = binding;
        }
        bindingsByBatch[buffers] = bindings;
        return bindings;
    }

    private void BindHostInputs(OrtIoBinding binding, BatchBuffers buffers)
    {
        binding.BindInput(ArtifactNames.Input, buffers.Features);
        binding.BindInput(ArtifactNames.Labels, buffers.Labels);
        scalars.BindTo(binding);
    }

    public void Dispose()
    {
        foreach (var bindings in bindingsByBatch.Values)
            foreach (var b in bindings) b.Dispose();
        batches.Dispose();
        scalars.Dispose();
        lossValue.Dispose();
        gradientNormValue.Dispose();
        runOptions.Dispose();
    }
}
