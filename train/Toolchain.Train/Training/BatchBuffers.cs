using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolchain.Graph;

namespace Toolchain.Train.Training;

/// <summary>
/// Pinned input buffers for one batch size: the features and the labels, each wrapped once in an
/// OrtValue so a step only copies samples in, with no allocation. Given a <see cref="DeviceMemory"/> with page-locked
/// host memory (CUDA), the features live there, so their copy to the GPU each step needs no staging.
/// </summary>
public sealed unsafe class BatchBuffers : IDisposable
{
    private readonly float[] features = [];
    private readonly float* pinnedFeatures;
    private readonly int featureCount;
    private readonly float[]? floatLabels;
    private readonly long[]? longLabels;
    private readonly int sampleSize;
    private readonly int labelSize;

    public BatchBuffers(int batchSize, long[] sampleShape, ElementType labelElement, long[] labelSampleShape, DeviceMemory? memory = null)
    {
        BatchSize = batchSize;
        sampleSize = (int)sampleShape.Aggregate(1L, (a, b) => a * b);
        labelSize = (int)labelSampleShape.Aggregate(1L, (a, b) => a * b);
        featureCount = batchSize * sampleSize;
        var pinned = memory?.AllocateHost(featureCount) ?? IntPtr.Zero;
        if (pinned != IntPtr.Zero)
        {
            pinnedFeatures = (float*)pinned;
            Features = OrtValue.CreateTensorValueWithData(memory!.HostMemoryInfo!, TensorElementType.Float, [batchSize, .. sampleShape],
                pinned, (long)featureCount * sizeof(float));
        }
        else
        {
            features = new float[featureCount];
            Features = OrtValue.CreateTensorValueFromMemory(features, [batchSize, .. sampleShape]);
        }
        long[] labelShape = [batchSize, .. labelSampleShape];
        if (labelElement == ElementType.Int64)
        {
            longLabels = new long[batchSize * labelSize];
            Labels = OrtValue.CreateTensorValueFromMemory(longLabels, labelShape);
        }
        else
        {
            floatLabels = new float[batchSize * labelSize];
            Labels = OrtValue.CreateTensorValueFromMemory(floatLabels, labelShape);
        }
    }

    public int BatchSize { get; }
    public OrtValue Features { get; }
    public OrtValue Labels { get; }

    /// <summary>The batch's feature values behind <see cref="Features"/>, for in-place training augmentation.</summary>
    public Span<float> FeatureData => pinnedFeatures is not null ? new Span<float>(pinnedFeatures, featureCount) : features;

    /// <summary>Copies the samples at the given indices of a data set into the buffers.</summary>
    public void Fill(float[] sourceFeatures, float[] sourceLabels, ReadOnlySpan<int> indices)
    {
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            sourceFeatures.AsSpan(i * sampleSize, sampleSize).CopyTo(FeatureData.Slice(k * sampleSize, sampleSize));
            if (longLabels is not null)
                for (int j = 0; j < labelSize; j++) longLabels[k * labelSize + j] = (long)sourceLabels[i * labelSize + j];
            else
                Array.Copy(sourceLabels, (long)i * labelSize, floatLabels!, (long)k * labelSize, labelSize);
        }
    }

    /// <summary>Copies a contiguous range of samples (evaluation reads data in order).</summary>
    public void FillRange(float[] sourceFeatures, float[] sourceLabels, int start)
    {
        sourceFeatures.AsSpan(start * sampleSize, featureCount).CopyTo(FeatureData);
        if (longLabels is not null)
            for (int j = 0; j < BatchSize * labelSize; j++) longLabels[j] = (long)sourceLabels[start * labelSize + j];
        else
            Array.Copy(sourceLabels, (long)start * labelSize, floatLabels!, 0, BatchSize * labelSize);
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
