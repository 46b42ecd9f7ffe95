using Microsoft.ML.OnnxRuntime;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Data;
using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Training;

/// <summary>
/// Runs the fused train step graph: one Run per step through IOBinding, with parameters and
/// optimizer state double-buffered in <see cref="ParameterState"/> and inputs in pinned buffers.
/// The hot loop allocates nothing.
/// </summary>
public sealed class TrainStepRunner : IStepRunner
{
    private readonly InferenceSession session;
    private readonly ArtifactManifest manifest;
    private readonly ParameterState state;
    private readonly BatchAugmentation? augmentation;
    private readonly RunOptions runOptions = new();
    private readonly StepScalarValues scalars;
    private readonly float[] loss = new float[1];
    private readonly OrtValue lossValue;
    private readonly float[] gradientNorm = new float[1];
    private readonly OrtValue gradientNormValue;
    private readonly Dictionary<int, (BatchBuffers Buffers, OrtIoBinding[] Bindings)> bySize = [];

    public TrainStepRunner(InferenceSession session, ArtifactManifest manifest, ParameterState state, IOptimizer optimizer,
        BatchAugmentation? augmentation = null)
    {
        scalars = new StepScalarValues(optimizer);
        this.augmentation = augmentation;
        this.session = session;
        this.manifest = manifest;
        this.state = state;
        lossValue = OrtValue.CreateTensorValueFromMemory(loss, []);
        gradientNormValue = OrtValue.CreateTensorValueFromMemory(gradientNorm, []);
    }

    public float? GradientNorm => manifest.GradientNorm ? gradientNorm[0] : null;

    /// <summary>Runs one optimizer step on the samples at <paramref name="indices"/> and returns the batch loss.</summary>
    /// <param name="step">1-based number of this update.</param>
    public float Step(float[] features, float[] labels, ReadOnlySpan<int> indices, float lr, long step)
    {
        var (buffers, bindings) = For(indices.Length);
        buffers.Fill(features, labels, indices);
        augmentation?.Apply(buffers.FeatureData, indices.Length, step, firstPosition: 0);
        scalars.Set(lr, step);
        session.RunWithBinding(runOptions, bindings[state.Current]);
        state.Swap();
        return loss[0];
    }

    private (BatchBuffers, OrtIoBinding[]) For(int batchSize)
    {
        if (bySize.TryGetValue(batchSize, out var entry)) return entry;
        var buffers = new BatchBuffers(batchSize, manifest.SampleShape, manifest.LabelElement, manifest.LabelSampleShape);
        var bindings = new OrtIoBinding[2];
        for (int set = 0; set < 2; set++)
        {
            var binding = session.CreateIoBinding();
            binding.BindInput(ArtifactNames.Input, buffers.Features);
            binding.BindInput(ArtifactNames.Labels, buffers.Labels);
            scalars.BindTo(binding);
            binding.BindOutput(ArtifactNames.Loss, lossValue);
            if (manifest.GradientNorm) binding.BindOutput(ArtifactNames.GradientNorm, gradientNormValue);
            foreach (var name in state.Names)
            {
                binding.BindInput(name, state.Value(name, set));
                binding.BindOutput(ArtifactNames.Next(name), state.Value(name, 1 - set));
            }
            bindings[set] = binding;
        }
        bySize[batchSize] = (buffers, bindings);
        return (buffers, bindings);
    }

    public void Dispose()
    {
        foreach (var (buffers, bindings) in bySize.Values)
        {
            buffers.Dispose();
            foreach (var b in bindings) b.Dispose();
        }
        scalars.Dispose();
        lossValue.Dispose();
        gradientNormValue.Dispose();
        runOptions.Dispose();
    }
}
