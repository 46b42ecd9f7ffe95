using Microsoft.ML.OnnxRuntime;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Data;

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
    private readonly float[] learningRate = new float[1];
    private readonly float[] stepNumber = new float[1];
    private readonly float[] loss = new float[1];
    private readonly OrtValue learningRateValue;
    private readonly OrtValue stepValue;
    private readonly OrtValue lossValue;
    private readonly float[] gradientNorm = new float[1];
    private readonly OrtValue gradientNormValue;
    private readonly Dictionary<int, (BatchBuffers Buffers, OrtIoBinding[] Bindings)> bySize = [];

    public TrainStepRunner(InferenceSession session, ArtifactManifest manifest, ParameterState state, BatchAugmentation? augmentation = null)
    {
        this.augmentation = augmentation;
        this.session = session;
        this.manifest = manifest;
        this.state = state;
        learningRateValue = OrtValue.CreateTensorValueFromMemory(learningRate, []);
        stepValue = OrtValue.CreateTensorValueFromMemory(stepNumber, []);
        lossValue = OrtValue.CreateTensorValueFromMemory(loss, []);
        gradientNormValue = OrtValue.CreateTensorValueFromMemory(gradientNorm, []);
    }

    public float GradientNorm => gradientNorm[0];

    /// <summary>Runs one optimizer step on the samples at <paramref name="indices"/> and returns the batch loss.</summary>
    /// <param name="step">1-based number of this update.</param>
    public float Step(float[] features, float[] labels, ReadOnlySpan<int> indices, float lr, long step)
    {
        var (buffers, bindings) = For(indices.Length);
        buffers.Fill(features, labels, indices);
        augmentation?.Apply(buffers.FeatureData, indices.Length, step, firstPosition: 0);
        learningRate[0] = lr;
        stepNumber[0] = step;
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
            binding.BindInput(ArtifactNames.LearningRate, learningRateValue);
            binding.BindInput(ArtifactNames.Step, stepValue);
            binding.BindOutput(ArtifactNames.Loss, lossValue);
            binding.BindOutput(ArtifactNames.GradientNorm, gradientNormValue);
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
        learningRateValue.Dispose();
        stepValue.Dispose();
        lossValue.Dispose();
        gradientNormValue.Dispose();
        runOptions.Dispose();
    }
}
