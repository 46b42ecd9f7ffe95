using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Repository;

/// <summary>
/// One loaded version of a model. Owns its ONNX Runtime session, created once at load and shared by all
/// requests (<see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe); inputs and outputs are described from the session's own metadata.
/// </summary>
public sealed class ModelVersion : IDisposable
{
    private readonly InferenceSession session;

    private ModelVersion(string name, long version, string path, InferenceSession session, TritonConfig config, IReadOnlyList<string> labels)
    {
        Name = name;
        Version = version;
        Path = path;
        this.session = session;
        Config = config;
        Inputs = Describe(session.InputNames, session.InputMetadata, path, "input");
        Outputs = Describe(session.OutputNames, session.OutputMetadata, path, "output");
        Properties = session.ModelMetadata.CustomMetadataMap
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Labels = labels.Count > 0 ? labels : LabelsFromProperties(Properties);
    }

    public string Name { get; }

    public long Version { get; }

    /// <summary>The model.onnx file this version was loaded from.</summary>
    public string Path { get; }

    public TritonConfig Config { get; }

    /// <summary>
    /// Class labels in class-index order: the model folder's labels.txt, else the model's own "labels"
    /// metadata property; empty when the model has neither.
    /// </summary>
    public IReadOnlyList<string> Labels { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>The model's metadata_props (e.g. version, metrics), sorted by key.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    public static ModelVersion Load(string name, long version, string path, TritonConfig config, IReadOnlyList<string> labels, SessionOptions options)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"model '{name}' version {version}: ONNX Runtime cannot load '{path}': {e.Message}", e);
        }
        try
        {
            return new ModelVersion(name, version, path, session, config, labels);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model on inputs that <see cref="RequestValidator"/> has checked against <see cref="Inputs"/>,
    /// computing only the named outputs. The caller owns nothing: inputs and results are disposed here.
    /// </summary>
    public IReadOnlyList<OutputTensor> Run(IReadOnlyList<InputTensor> inputs, IReadOnlyList<string> outputNames, CancellationToken cancel)
    {
        using var runOptions = new RunOptions();
        using var stop = cancel.Register(() => runOptions.Terminate = true);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var input in inputs) values.Add(input.ToOrtValue());
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, outputNames.ToArray());
            return results.Select((value, i) => OutputTensor.FromOrtValue(outputNames[i], value)).ToArray();
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    public void Dispose() => session.Dispose();

    /// <summary>A "labels" metadata property: a JSON array of strings, or one label a line, or comma-separated.</summary>
    private static IReadOnlyList<string> LabelsFromProperties(IReadOnlyDictionary<string, string> properties)
    {
        if (!properties.TryGetValue("labels", out var text) || string.IsNullOrWhiteSpace(text))
            return [];
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                return JsonSerializer.Deserialize<string[]>(text) ?? [];
            }
            catch (JsonException)
            {
                // Not JSON after all: read it as plain text below.
            }
        }
        var separator = text.Contains('\n') ? '\n' : ',';
        return text.Split(separator).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
    }

    private static TensorSpec[] Describe(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata, string path, string kind) =>
        names.Select(n => TensorSpec.FromOnnx(n, metadata[n])
            ?? throw new ModelLoadException($"'{path}': {kind} '{n}' is a {metadata[n].OnnxValueType} of {metadata[n].ElementDataType}; only tensors of protocol datatypes are served"))
            .ToArray();
}
