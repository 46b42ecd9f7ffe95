using Microsoft.ML.OnnxRuntime;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Data;
using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Training;

/// <summary>
/// Gradient accumulation: runs the training graph on micro-batches, averages their gradients
/// weighted by micro-batch size (so k micro-batches equal one k-times larger batch), then runs the
/// optimizer graph once, writing the next parameters and state into the other buffer set.
/// </summary>
public sealed class AccumulatingStepRunner : IStepRunner
{
    private readonly InferenceSession training;
    private readonly InferenceSession optimizer;
    private readonly ArtifactManifest manifest;
    private readonly ParameterState state;
    private readonly int microBatch;
    private readonly BatchAugmentation? augmentation;
    private readonly RunOptions runOptions = new();
    private readonly Dictionary<string, float[]> sums;
    private readonly Dictionary<string, OrtValue> gradientValues;
    private readonly StepScalarValues scalars;
    private readonly float[] gradientNorm = new float[1];
    private readonly OrtValue gradientNormValue;
    private readonly Dictionary<int, BatchBuffers> buffers = [];

    public AccumulatingStepRunner(InferenceSession training, InferenceSession optimizer, ArtifactManifest manifest, ParameterState state, IOptimizer optimizerRule,
        int microBatch, BatchAugmentation? augmentation = null)
    {
        scalars = new StepScalarValues(optimizerRule);
        this.augmentation = augmentation;
        (this.training, this.optimizer, this.manifest, this.state, this.microBatch) = (training, optimizer, manifest, state, microBatch);
        sums = manifest.Parameters.ToDictionary(p => p.Name, p => new float[p.ElementCount]);
        gradientValues = manifest.Parameters.ToDictionary(p => p.Name, p => OrtValue.CreateTensorValueFromMemory(sums[p.Name], p.Shape));
        gradientNormValue = OrtValue.CreateTensorValueFromMemory(gradientNorm, []);
    }

    public float? GradientNorm => manifest.GradientNorm ? gradientNorm[0] : null;

    public float Step(float[] features, float[] labels, ReadOnlySpan<int> indices, float lr, long step, ReadOnlySpan<int> nextIndices)
    {
        foreach (var sum in sums.Values) Array.Clear(sum);
        double lossSum = 0;
        for (int start = 0; start < indices.Length; start += microBatch)
        {
            int size = Math.Min(microBatch, indices.Length - start);
            if (!buffers.TryGetValue(size, out var batch))
                buffers[size] = batch = new BatchBuffers(size, manifest.SampleShape, manifest.LabelElement, manifest.LabelSampleShape);
            batch.Fill(features, labels, indices.Slice(start, size));
            augmentation?.Apply(batch.FeatureData, size, step, firstPosition: start);
            var names = new List<string> { ArtifactNames.Input, ArtifactNames.Labels };
            var values = new List<OrtValue> { batch.Features, batch.Labels };
            foreach (var p in manifest.Parameters) { names.Add(p.Name); values.Add(state.Value(p.Name, state.Current)); }
            var outputs = new List<string> { ArtifactNames.Loss };
            outputs.AddRange(manifest.Parameters.Select(p => ArtifactNames.Gradient(p.Name)));
            outputs.AddRange(manifest.Buffers.Select(b => ArtifactNames.Next(b.Name)));
            foreach (var b in manifest.Buffers) { names.Add(b.Name); values.Add(state.Value(b.Name, state.Current)); }
            using var results = training.Run(runOptions, names, values, outputs);
            lossSum += results[0].GetTensorDataAsSpan<float>()[0] * (double)size;
            for (int k = 0; k < manifest.Parameters.Count; k++)
            {
                var gradient = results[k + 1].GetTensorDataAsSpan<float>();
                var sum = sums[manifest.Parameters[k].Name];
                for (int j = 0; j < sum.Length; j++) sum[j] += gradient[j] * size;
            }
            // Running statistics advance once per micro-batch, as they would over k separate forward passes.
            for (int k = 0; k < manifest.Buffers.Count; k++)
                state.SetCurrent(manifest.Buffers[k].Name, results[1 + manifest.Parameters.Count + k].GetTensorDataAsSpan<float>());
        }
        float scale = 1f / indices.Length;
        foreach (var sum in sums.Values)
            for (int j = 0; j < sum.Length; j++) sum[j] *= scale;

        scalars.Set(lr, step);
        var inputNames = new List<string>(scalars.Names);
        var inputValues = new List<OrtValue>(scalars.Values);
        var outputNames = new List<string>();
        var outputValues = new List<OrtValue>();
        foreach (var (name, current, next) in state.OptimizerPairs)
        {
            inputNames.Add(name);
            inputValues.Add(current);
            outputNames.Add(ArtifactNames.Next(name));
            outputValues.Add(next);
        }
        foreach (var p in manifest.Parameters) { inputNames.Add(ArtifactNames.Gradient(p.Name)); inputValues.Add(gradientValues[p.Name]); }
        if (manifest.GradientNorm)
        {
            outputNames.Add(ArtifactNames.GradientNorm);
            outputValues.Add(gradientNormValue);
        }
        optimizer.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
        foreach (var b in manifest.Buffers) state.CarryOver(b.Name);
        state.Swap();
        return (float)(lossSum / indices.Length);
    }

    public void Dispose()
    {
        foreach (var v in gradientValues.Values) v.Dispose();
        foreach (var b in buffers.Values) b.Dispose();
        scalars.Dispose();
        gradientNormValue.Dispose();
        runOptions.Dispose();
    }
}
