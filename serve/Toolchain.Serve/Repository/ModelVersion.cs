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
/// The session is reference counted: the repository holds one reference until it retires the version
/// (<see cref="Dispose"/>), and each request holds one through a <see cref="ModelLease"/>, so a version that a
/// reload removes keeps running the requests already using it and is disposed when the last one finishes.
/// </summary>
public sealed class ModelVersion : IDisposable
{
    private readonly InferenceSession session;
    private int references = 1;
    private int retired;
    private volatile bool released;

    private ModelVersion(string name, long version, string path, InferenceSession session, TritonConfig config, IReadOnlyList<string> labels, VersionSource? source)
    {
        Name = name;
        Version = version;
        Path = path;
        this.session = session;
        Config = config;
        Source = source;
        Inputs = Describe(session.InputNames, session.InputMetadata, path, "input");
        Outputs = Describe(session.OutputNames, session.OutputMetadata, path, "output");
        Properties = session.ModelMetadata.CustomMetadataMap
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Labels = labels.Count > 0 ? labels : LabelsFromProperties(Properties);
        if (config.Batching is { } batching && Inputs.Concat(Outputs).All(t => t.Shape.Length > 0 && t.Shape[0] < 0))
            Batcher = new DynamicBatcher(this, batching, config.MaxBatchSize);
    }

    public string Name { get; }

    public long Version { get; }

    /// <summary>The model.onnx file this version was loaded from.</summary>
    public string Path { get; }

    public TritonConfig Config { get; }

    /// <summary>
    /// The dynamic batcher, when config.pbtxt asks for one and every input and output has an open first
    /// dimension to batch along (Triton's rule for max_batch_size &gt; 0); null means one run per request.
    /// </summary>
    public DynamicBatcher? Batcher { get; }

    /// <summary>The file, config and labels this version was loaded from; a rescan reloads it when they change.</summary>
    public VersionSource? Source { get; }

    /// <summary>True once the version is retired and no request holds it: its session is released.</summary>
    public bool IsReleased => released;

    /// <summary>
    /// Class labels in class-index order: the model folder's labels.txt, else the model's own "labels"
    /// metadata property; empty when the model has neither.
    /// </summary>
    public IReadOnlyList<string> Labels { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary><see cref="Inputs"/> by name, for validating requests.</summary>
    public IReadOnlyDictionary<string, TensorSpec> InputsByName => field ??= Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);

    /// <summary>What a request that names no outputs gets: all of them, in the model's order, as JSON data.</summary>
    public IReadOnlyList<RequestedOutput> AllOutputs => field ??= Outputs.Select(o => new RequestedOutput(o.Name)).ToArray();

    /// <summary>All outputs as binary data, for a request with "binary_data_output" that names none.</summary>
    public IReadOnlyList<RequestedOutput> AllOutputsBinary => field ??= Outputs.Select(o => new RequestedOutput(o.Name, Binary: true)).ToArray();

    /// <summary>The model's metadata_props (e.g. version, metrics), sorted by key.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    public static ModelVersion Load(string name, long version, string path, TritonConfig config, IReadOnlyList<string> labels, SessionOptions options, VersionSource? source = null)
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
            return new ModelVersion(name, version, path, session, config, labels, source);
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
        // Leases make this unreachable; the check turns a broken lease into an error instead of a use-after-free.
        if (released)
            throw new ObjectDisposedException($"model '{Name}' version {Version}", "its session was released when the version was unloaded");
        // Failures reach the client and the metrics; ONNX Runtime's own log would repeat each one on the console.
        using var runOptions = new RunOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
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

    /// <summary>Retires the version: drops the repository's reference; the session goes when the last lease does.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref retired, 1) == 0) ReleaseReference();
    }

    /// <summary>Takes a reference for a request; false once the version is released (the caller looks it up again).</summary>
    internal bool TryAddReference()
    {
        while (true)
        {
            int count = Volatile.Read(ref references);
            if (count == 0) return false;
            if (Interlocked.CompareExchange(ref references, count + 1, count) == count) return true;
        }
    }

    internal void ReleaseReference()
    {
        if (Interlocked.Decrement(ref references) == 0) Release();
    }

    private void Release()
    {
        released = true;
        Batcher?.Dispose();
        session.Dispose();
    }

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
