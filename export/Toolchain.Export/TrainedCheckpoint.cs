using System.Security.Cryptography;
using System.Text.Json;
using Toolchain.Checkpoints;

namespace Toolchain.Export;

/// <summary>
/// A training checkpoint read for export: the verified safetensors file, its SHA-256, and the trainer's
/// metadata parsed (class labels, sample shape, metrics). Optimizer state is ignored.
/// </summary>
public sealed class TrainedCheckpoint
{
    public const string OptimizerPrefix = "optimizer/";
    public const string NormalizationPrefix = "normalization/";

    private TrainedCheckpoint(string path, string sha256, Checkpoint state, IReadOnlyList<string> labels, long[] sampleShape, Normalization normalization)
    {
        Path = path;
        Sha256 = sha256;
        State = state;
        Labels = labels;
        SampleShape = sampleShape;
        Normalization = normalization;
    }

    public string Path { get; }

    /// <summary>SHA-256 of the whole checkpoint file, lowercase hex.</summary>
    public string Sha256 { get; }

    public Checkpoint State { get; }

    /// <summary>Class names in class-index order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Shape of one raw sample, without the batch dimension (e.g. [28, 28]).</summary>
    public long[] SampleShape { get; }

    public Normalization Normalization { get; }

    public string? Epoch => State.Metadata.GetValueOrDefault("epoch");

    public string? Step => State.Metadata.GetValueOrDefault("step");

    /// <summary>The trainer's metrics as a JSON object (e.g. train_loss, val_loss, val_accuracy), or null.</summary>
    public string? MetricsJson => State.Metadata.GetValueOrDefault("metrics");

    /// <summary>Tensors that belong to the model: everything except optimizer state and normalisation statistics.</summary>
    public IEnumerable<KeyValuePair<string, FloatTensor>> ModelTensors =>
        State.Tensors.Where(t => !t.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !t.Key.StartsWith(NormalizationPrefix, StringComparison.Ordinal));

    /// <summary>
    /// Loads and verifies a checkpoint of <paramref name="model"/>. Normalisation statistics are required
    /// unless the model was trained on raw values (<paramref name="normalizationRequired"/> false), where
    /// missing statistics mean mean 0, std 1.
    /// </summary>
    public static TrainedCheckpoint Load(string path, string model, bool normalizationRequired)
    {
        var sha256 = FileSha256(path);
        var state = Checkpoint.Load(path);
        if (FileSha256(path) != sha256)
            throw new CheckpointException($"checkpoint '{path}' changed while it was being read; export again once training has written it");

        if (state.Metadata.TryGetValue("model", out var owner) && owner != model)
            throw new CheckpointException($"checkpoint '{path}' belongs to model '{owner}', not '{model}'");
        if (state.Metadata.TryGetValue("raw_input_type", out var rawType) && rawType != "uint8")
            throw new CheckpointException($"checkpoint '{path}': metadata 'raw_input_type' is '{rawType}'; only uint8 raw inputs can be exported");
        var labels = ParseJson<string[]>(state, "labels", path, "a JSON array of class names");
        if (labels.Length == 0 || labels.Any(l => string.IsNullOrWhiteSpace(l) || l.Contains('\n') || l.Contains('\r')))
            throw new CheckpointException($"checkpoint '{path}': metadata 'labels' must list every class name, one line each, got {state.Meta("labels", path)}");
        var sampleShape = ParseJson<long[]>(state, "input_shape", path, "a JSON array of integers");
        if (sampleShape.Length == 0 || sampleShape.Any(d => d <= 0))
            throw new CheckpointException($"checkpoint '{path}': metadata 'input_shape' must be the positive sizes of one sample, got {state.Meta("input_shape", path)}");
        if (state.Metadata.ContainsKey("metrics")) ParseJson<Dictionary<string, JsonElement>>(state, "metrics", path, "a JSON object");

        var normalization = ReadNormalization(state, path, normalizationRequired);
        normalization.Validate(sampleShape, path);
        return new TrainedCheckpoint(path, sha256, state, labels, sampleShape, normalization);
    }

    private static Normalization ReadNormalization(Checkpoint state, string path, bool required)
    {
        bool hasMean = state.Tensors.ContainsKey(Normalization.MeanTensorName);
        bool hasStd = state.Tensors.ContainsKey(Normalization.StdTensorName);
        if (!hasMean && !hasStd && !required) return Normalization.Identity;
        return new Normalization(state.Tensor(Normalization.MeanTensorName, path), state.Tensor(Normalization.StdTensorName, path));
    }

    private static T ParseJson<T>(Checkpoint state, string key, string path, string expected)
    {
        var text = state.Meta(key, path);
        try
        {
            return JsonSerializer.Deserialize<T>(text) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"checkpoint '{path}': metadata '{key}' is not {expected}: {text}", e);
        }
    }

    private static string FileSha256(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint '{path}' does not exist");
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
