using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Edge;

/// <summary>
/// One exported classifier (.onnx or .ort) in an ONNX Runtime CPU session: takes raw uint8 samples
/// through input <c>pixels</c> [N, ...sample] and reads <c>probabilities</c> [N, C] and
/// <c>class_index</c> [N]. Owns its session; dispose it.
/// </summary>
public sealed class EdgeClassifier : IDisposable
{
    public const string PixelsName = "pixels";
    public const string ProbabilitiesName = "probabilities";
    public const string ClassIndexName = "class_index";
    public const int BatchSize = 256;

    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    private EdgeClassifier(string modelPath, InferenceSession session, long[] sampleShape, int classes)
    {
        ModelPath = modelPath;
        this.session = session;
        SampleShape = sampleShape;
        Classes = classes;
        Metadata = session.ModelMetadata.CustomMetadataMap;
    }

    public string ModelPath { get; }

    /// <summary>Shape of one sample, e.g. [28, 28].</summary>
    public long[] SampleShape { get; }

    public int SampleSize => (int)SampleShape.Aggregate(1L, (a, b) => a * b);

    public int Classes { get; }

    public IReadOnlyList<string> Labels { get; private set; } = [];

    /// <summary>The model's metadata_props (model, version, variant, test_accuracy, ...).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens <paramref name="modelPath"/>. <paramref name="threads"/> 0 lets ONNX Runtime use every core;
    /// <paramref name="optimizedModelPath"/>, when given, receives the graph as ONNX Runtime will run it here.
    /// </summary>
    public static EdgeClassifier Open(string modelPath, string? labelsPath = null, int threads = 0, string? optimizedModelPath = null)
    {
        if (!File.Exists(modelPath)) throw new EdgeException($"model '{modelPath}' does not exist");
        if (threads < 0) throw new EdgeException($"--threads: expected 0 (all cores) or more, got {threads}");
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = threads,
        };
        // Exported int8 models hold weight-only DequantizeLinear nodes on constant weights. With QDQ handling off,
        // ONNX Runtime folds them into float32 weights once at load, so an int8 .onnx runs as fast as fp32 (the file
        // stays 4x smaller). An .ort file was optimised when it was written and keeps dequantising on every run.
        options.AddSessionConfigEntry("session.disable_quant_qdq", "1");
        if (optimizedModelPath is not null) options.OptimizedModelFilePath = optimizedModelPath;
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeException($"ONNX Runtime cannot load model '{modelPath}': {e.Message}", e);
        }
        try
        {
            var (sampleShape, classes) = CheckInterface(session, modelPath);
            var classifier = new EdgeClassifier(modelPath, session, sampleShape, classes);
            classifier.Labels = ModelFiles.Labels(labelsPath, modelPath, classifier.Metadata, classes);
            return classifier;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Classifies <paramref name="count"/> samples laid out back to back in <paramref name="pixels"/>.</summary>
    public IReadOnlyList<Prediction> Classify(ReadOnlySpan<byte> pixels, int count)
    {
        if (pixels.Length != (long)count * SampleSize)
            throw new EdgeException($"input '{PixelsName}': expected {count} samples of {SampleSize} bytes ({(long)count * SampleSize}), got {pixels.Length} bytes");
        var predictions = new List<Prediction>(count);
        for (int start = 0; start < count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, count - start);
            var (probabilities, classes) = Run(pixels.Slice(start * SampleSize, n * SampleSize).ToArray(), n);
            for (int k = 0; k < n; k++)
            {
                int c = checked((int)classes[k]);
                predictions.Add(new Prediction(start + k, c, Labels[c], probabilities[k * Classes + c]));
            }
        }
        return predictions;
    }

    /// <summary>One ONNX Runtime run over <paramref name="count"/> samples: probabilities [count, C] and class indices.</summary>
    internal (float[] Probabilities, long[] Classes) Run(byte[] batch, int count)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(batch, [count, .. SampleShape]);
        try
        {
            using var outputs = session.Run(runOptions, [PixelsName], [input], [ProbabilitiesName, ClassIndexName]);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var classes = outputs[1].GetTensorDataAsSpan<long>().ToArray();
            if (probabilities.Length != count * Classes || classes.Length != count || classes.Any(c => c < 0 || c >= Classes))
                throw new EdgeException($"model '{ModelPath}': outputs have {probabilities.Length} probabilities and {classes.Length} class indices for {count} samples of {Classes} classes");
            return (probabilities, classes);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeException($"ONNX Runtime failed to run model '{ModelPath}': {e.Message}", e);
        }
    }

    /// <summary>The sample shape and class count, checked against the exported model's contract.</summary>
    private static (long[] SampleShape, int Classes) CheckInterface(InferenceSession session, string path)
    {
        if (!session.InputMetadata.TryGetValue(PixelsName, out var pixels))
            throw new EdgeException($"model '{path}' has no input '{PixelsName}'; its inputs are {string.Join(", ", session.InputMetadata.Keys.Select(k => $"'{k}'"))}");
        if (pixels.ElementType != typeof(byte) || pixels.Dimensions.Length < 2 || pixels.Dimensions[1..].Any(d => d <= 0))
            throw new EdgeException($"model '{path}': input '{PixelsName}' must be uint8 [N, ...sample] with a fixed sample shape, got {pixels.ElementType.Name} [{string.Join(",", pixels.Dimensions)}]");
        foreach (var name in new[] { ProbabilitiesName, ClassIndexName })
            if (!session.OutputMetadata.ContainsKey(name))
                throw new EdgeException($"model '{path}' has no output '{name}'; its outputs are {string.Join(", ", session.OutputMetadata.Keys.Select(k => $"'{k}'"))}");
        var probabilities = session.OutputMetadata[ProbabilitiesName].Dimensions;
        if (probabilities.Length != 2 || probabilities[1] <= 0)
            throw new EdgeException($"model '{path}': output '{ProbabilitiesName}' must be [N, classes] with a fixed class count, got [{string.Join(",", probabilities)}]");
        return (pixels.Dimensions[1..].Select(d => (long)d).ToArray(), probabilities[1]);
    }

    public void Dispose()
    {
        runOptions.Dispose();
        session.Dispose();
    }
}
