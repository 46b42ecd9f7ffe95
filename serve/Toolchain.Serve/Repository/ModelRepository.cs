using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Toolchain.Serve.Repository;

/// <summary>
/// Every model in a Triton-style repository, loaded once at start-up and read-only after that:
/// <c>DIR/&lt;name&gt;/&lt;version&gt;/model.onnx</c> with optional <c>config.pbtxt</c> and <c>labels.txt</c>
/// beside the versions. Version folders are positive integers; the highest is the default. Anything
/// else (files, other folders, names starting with '.') is left alone.
/// </summary>
public sealed class ModelRepository : IDisposable
{
    public const string ModelFileName = "model.onnx";
    public const string ConfigFileName = "config.pbtxt";
    public const string LabelsFileName = "labels.txt";

    private readonly SortedDictionary<string, SortedDictionary<long, ModelVersion>> models;

    private ModelRepository(string directory, SortedDictionary<string, SortedDictionary<long, ModelVersion>> models)
    {
        Directory = directory;
        this.models = models;
    }

    public string Directory { get; }

    /// <summary>Model names, sorted.</summary>
    public IEnumerable<string> ModelNames => models.Keys;

    /// <summary>Loads every version of every model; any version that fails to load fails the whole load.</summary>
    public static ModelRepository Load(string directory, ExecutionDevice device)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new ModelLoadException($"model repository '{directory}' does not exist (run export first, or pass --models DIR)");
        var loaded = new SortedDictionary<string, SortedDictionary<long, ModelVersion>>(StringComparer.Ordinal);
        using var options = CreateSessionOptions(device);
        try
        {
            foreach (var modelDirectory in System.IO.Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
            {
                var name = System.IO.Path.GetFileName(modelDirectory);
                if (name.StartsWith('.')) continue;
                var versionFolders = VersionFolders(modelDirectory);
                if (versionFolders.Count == 0) continue;
                var config = TritonConfig.Read(System.IO.Path.Combine(modelDirectory, ConfigFileName));
                if (config.Name is { } configName && configName != name)
                    throw new ModelLoadException($"'{System.IO.Path.Combine(modelDirectory, ConfigFileName)}' names the model '{configName}', but its folder is '{name}'");
                var labels = ReadLabelsFile(System.IO.Path.Combine(modelDirectory, LabelsFileName));
                var versions = new SortedDictionary<long, ModelVersion>();
                loaded[name] = versions;
                foreach (var (version, folder) in versionFolders)
                    versions[version] = ModelVersion.Load(name, version, System.IO.Path.Combine(folder, ModelFileName), config, labels, options);
            }
        }
        catch
        {
            foreach (var version in loaded.Values.SelectMany(v => v.Values)) version.Dispose();
            throw;
        }
        return new ModelRepository(directory, loaded);
    }

    /// <summary>
    /// Finds a model version: the latest when <paramref name="version"/> is null. On failure
    /// <paramref name="error"/> says what is missing and what there is instead.
    /// </summary>
    public bool TryFind(string name, string? version, [NotNullWhen(true)] out ModelVersion? model, out string error)
    {
        model = null;
        if (!models.TryGetValue(name, out var versions))
        {
            error = models.Count == 0
                ? $"unknown model '{name}': the repository '{Directory}' has no models"
                : $"unknown model '{name}'; available models: {string.Join(", ", models.Keys)}";
            return false;
        }
        if (version is null)
        {
            model = versions.Values.Last();
            error = "";
            return true;
        }
        if (!IsVersionName(version, out var number) || !versions.TryGetValue(number, out model))
        {
            error = $"unknown version '{version}' of model '{name}'; available versions: {string.Join(", ", versions.Keys)}";
            return false;
        }
        error = "";
        return true;
    }

    /// <summary>All loaded versions of a model, ascending.</summary>
    public IReadOnlyList<long> VersionsOf(string name) =>
        models.TryGetValue(name, out var versions) ? versions.Keys.ToArray() : [];

    /// <summary>One line per model: name, versions, and the latest version's inputs and outputs.</summary>
    public IEnumerable<string> Describe() => models.Select(m =>
    {
        var latest = m.Value.Values.Last();
        return $"{m.Key} versions [{string.Join(",", m.Value.Keys)}]: {string.Join(", ", latest.Inputs)} -> {string.Join(", ", latest.Outputs)}";
    });

    public void Dispose()
    {
        foreach (var version in models.Values.SelectMany(v => v.Values)) version.Dispose();
    }

    private static List<(long Version, string Folder)> VersionFolders(string modelDirectory) =>
        System.IO.Directory.EnumerateDirectories(modelDirectory)
            .Select(folder => (Ok: IsVersionName(System.IO.Path.GetFileName(folder), out var v), Version: v, Folder: folder))
            .Where(f => f.Ok && File.Exists(System.IO.Path.Combine(f.Folder, ModelFileName)))
            .OrderBy(f => f.Version)
            .Select(f => (f.Version, f.Folder))
            .ToList();

    /// <summary>A version name is a positive decimal integer made only of digits ("1", "12"; not "+1", "v1", "0").</summary>
    private static bool IsVersionName(string text, out long version)
    {
        version = 0;
        return text.Length > 0 && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version) && version > 0;
    }

    /// <summary>labels.txt: one class label a line, in class-index order; empty when there is no file.</summary>
    private static IReadOnlyList<string> ReadLabelsFile(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray() : [];

    private static SessionOptions CreateSessionOptions(ExecutionDevice device)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (device != ExecutionDevice.Cuda) return options;
        try
        {
            options.AppendExecutionProvider_CUDA(0);
            return options;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            options.Dispose();
            throw new ModelLoadException(
                "--device cuda: ONNX Runtime's CUDA execution provider cannot be used here; it needs an NVIDIA GPU, " +
                $"its driver, and the CUDA and cuDNN libraries on the library path. ONNX Runtime said: {e.Message}", e);
        }
    }
}
