using System.Diagnostics.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Toolchain.Serve.Repository;

/// <summary>
/// Every model in a Triton-style repository: <c>DIR/&lt;name&gt;/&lt;version&gt;/model.onnx</c> with optional
/// <c>config.pbtxt</c> and <c>labels.txt</c> beside the versions. Version folders are positive integers; the
/// highest loaded one is the default. Anything else (files, other folders, names starting with '.') is left alone.
/// <para>
/// Requests read an immutable <see cref="RepositorySnapshot"/>; <see cref="Reload"/> scans the folder again,
/// loads what is new or changed, and swaps in a new snapshot atomically. Versions that are gone are retired:
/// their sessions are disposed once the last request using them (through a <see cref="ModelLease"/>) finishes.
/// </para>
/// </summary>
public sealed class ModelRepository : IDisposable
{
    public const string ModelFileName = "model.onnx";
    public const string ConfigFileName = "config.pbtxt";
    public const string LabelsFileName = "labels.txt";

    private readonly SessionOptions sessionOptions;
    private readonly Lock reloadLock = new();
    private RepositorySnapshot snapshot;
    private bool disposed;

    private ModelRepository(string directory, SessionOptions sessionOptions)
    {
        Directory = directory;
        this.sessionOptions = sessionOptions;
        snapshot = new RepositorySnapshot(directory, new SortedDictionary<string, ModelEntry>(StringComparer.Ordinal));
    }

    public string Directory { get; }

    /// <summary>The repository as of the last scan.</summary>
    public RepositorySnapshot Snapshot => Volatile.Read(ref snapshot);

    /// <summary>Model names, sorted.</summary>
    public IEnumerable<string> ModelNames => Snapshot.Models.Keys;

    /// <summary>
    /// Loads every version of every model, strictly: any version that fails to load fails the whole load with a
    /// <see cref="ModelLoadException"/> naming the file, so a server never starts on a repository it cannot serve.
    /// </summary>
    public static ModelRepository Load(string directory, ExecutionDevice device)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new ModelLoadException($"model repository '{directory}' does not exist (run export first, or pass --models DIR)");
        var repository = new ModelRepository(directory, CreateSessionOptions(device));
        try
        {
            lock (repository.reloadLock)
                repository.snapshot = repository.Scan(repository.snapshot, strict: true, new List<ModelVersion>(), []);
            return repository;
        }
        catch
        {
            repository.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Scans the folder again, tolerantly: new or changed versions are loaded, removed ones retired, and a version
    /// that fails to load is recorded in the snapshot (and reported once) while whatever was served before stays
    /// served. Safe to call from any thread; scans run one at a time.
    /// </summary>
    public ReloadReport Reload()
    {
        lock (reloadLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var current = Snapshot;
            var loaded = new List<ModelVersion>();
            var failed = new List<(string, long, string)>();
            var next = Scan(current, strict: false, loaded, failed);
            Volatile.Write(ref snapshot, next);
            var kept = next.AllVersions.ToHashSet(ReferenceEqualityComparer.Instance);
            var unloaded = current.AllVersions.Where(v => !kept.Contains(v)).ToList();
            foreach (var version in unloaded) version.Dispose();
            return new ReloadReport(loaded, unloaded, failed);
        }
    }

    /// <summary>Looks a model up in the current snapshot (see <see cref="RepositorySnapshot.TryFind"/>).</summary>
    public bool TryFind(string name, string? version, [NotNullWhen(true)] out ModelVersion? model, [NotNullWhen(false)] out LookupError? error) =>
        Snapshot.TryFind(name, version, out model, out error);

    /// <summary>
    /// Finds a version and takes a lease on it, so its session outlives any reload until the lease is disposed.
    /// </summary>
    public bool TryAcquire(string name, string? version, [NotNullWhen(true)] out ModelLease? lease, [NotNullWhen(false)] out LookupError? error)
    {
        while (true)
        {
            if (!Snapshot.TryFind(name, version, out var model, out error))
            {
                lease = null;
                return false;
            }
            if (model.TryAddReference())
            {
                lease = new ModelLease(model);
                return true;
            }
            // Retired between the lookup and the reference: it is no longer in the snapshot, so look again.
        }
    }

    /// <summary>All loaded versions of a model, ascending.</summary>
    public IReadOnlyList<long> VersionsOf(string name) =>
        Snapshot.Models.TryGetValue(name, out var entry) ? entry.Versions.Keys.ToArray() : [];

    /// <summary>One line per model: name, versions, and the default version's inputs and outputs.</summary>
    public IEnumerable<string> Describe() => Snapshot.Models.Values.Where(m => m.Latest is not null).Select(m =>
        $"{m.Name} versions [{string.Join(",", m.Versions.Keys)}]: {string.Join(", ", m.Latest!.Inputs)} -> {string.Join(", ", m.Latest.Outputs)}");

    /// <summary>Empties the repository and retires every version; sessions still leased go when their requests finish.</summary>
    public void Dispose()
    {
        lock (reloadLock)
        {
            if (disposed) return;
            disposed = true;
            var last = Snapshot;
            Volatile.Write(ref snapshot, new RepositorySnapshot(Directory, new SortedDictionary<string, ModelEntry>(StringComparer.Ordinal)));
            foreach (var version in last.AllVersions) version.Dispose();
            sessionOptions.Dispose();
        }
    }

    private RepositorySnapshot Scan(RepositorySnapshot current, bool strict, List<ModelVersion> loaded, List<(string, long, string)> failed)
    {
        var models = new SortedDictionary<string, ModelEntry>(StringComparer.Ordinal);
        try
        {
            foreach (var modelDirectory in System.IO.Directory.EnumerateDirectories(Directory).Order(StringComparer.Ordinal))
            {
                var name = System.IO.Path.GetFileName(modelDirectory);
                if (name.StartsWith('.')) continue;
                current.Models.TryGetValue(name, out var previous);
                int loadedBefore = loaded.Count;
                try
                {
                    if (ScanModel(name, modelDirectory, previous, strict, loaded, failed) is { } entry)
                        models[name] = entry;
                }
                catch (Exception e) when (!strict && e is IOException or UnauthorizedAccessException)
                {
                    // The folder changed under the scan (a version being moved or deleted): keep what was served
                    // and let the next scan, which the same change triggers, settle it.
                    foreach (var version in loaded.Skip(loadedBefore)) version.Dispose();
                    loaded.RemoveRange(loadedBefore, loaded.Count - loadedBefore);
                    if (previous is not null) models[name] = previous;
                }
            }
        }
        catch (Exception e) when (!strict && e is IOException or UnauthorizedAccessException)
        {
            // The repository folder itself is unreadable or gone: keep serving what is loaded, and drop this scan.
            foreach (var version in loaded) version.Dispose();
            loaded.Clear();
            failed.Clear();
            return current;
        }
        catch
        {
            foreach (var version in loaded) version.Dispose();
            throw;
        }
        return new RepositorySnapshot(Directory, models);
    }

    private ModelEntry? ScanModel(string name, string modelDirectory, ModelEntry? previous, bool strict,
        List<ModelVersion> loaded, List<(string, long, string)> failed)
    {
        var versionFolders = VersionFolders(modelDirectory);
        if (versionFolders.Count == 0) return null;
        TritonConfig? config = null;
        IReadOnlyList<string> labels = [];
        string? folderError = null;
        try
        {
            var configPath = System.IO.Path.Combine(modelDirectory, ConfigFileName);
            config = TritonConfig.Read(configPath);
            if (config.Name is { } configName && configName != name)
                throw new ModelLoadException($"'{configPath}' names the model '{configName}', but its folder is '{name}'");
            labels = ReadLabelsFile(System.IO.Path.Combine(modelDirectory, LabelsFileName));
        }
        catch (ModelLoadException e) when (!strict)
        {
            folderError = e.Message;
        }
        var versions = new SortedDictionary<long, ModelVersion>();
        var failures = new SortedDictionary<long, LoadFailure>();
        foreach (var (version, folder) in versionFolders)
        {
            ModelVersion? old = null;
            LoadFailure? oldFailure = null;
            previous?.Versions.TryGetValue(version, out old);
            previous?.Failures.TryGetValue(version, out oldFailure);
            if (old is not null) versions[version] = old;
            var path = System.IO.Path.Combine(folder, ModelFileName);
            var source = config is null ? null : VersionSource.Of(path, config, labels);
            if (old is not null && old.Source == source && source is not null) continue;
            if (oldFailure is not null && oldFailure.Source == source && source is not null)
            {
                failures[version] = oldFailure;
                continue;
            }
            string? problem = folderError ?? (source is null ? $"cannot read '{path}'" : null);
            if (problem is null)
            {
                try
                {
                    var model = ModelVersion.Load(name, version, path, config!, labels, sessionOptions, source);
                    loaded.Add(model);
                    versions[version] = model;
                    continue;
                }
                catch (ModelLoadException e) when (!strict)
                {
                    problem = e.Message;
                }
            }
            var failure = new LoadFailure(problem.StartsWith($"model '{name}' version {version}:", StringComparison.Ordinal)
                ? problem : $"model '{name}' version {version}: {problem}", source);
            failures[version] = failure;
            if (oldFailure?.Message != failure.Message || oldFailure.Source != failure.Source)
                failed.Add((name, version, failure.Message));
        }
        return new ModelEntry(name, versions, failures);
    }

    private static List<(long Version, string Folder)> VersionFolders(string modelDirectory) =>
        System.IO.Directory.EnumerateDirectories(modelDirectory)
            .Select(folder => (Ok: RepositorySnapshot.IsVersionName(System.IO.Path.GetFileName(folder), out var v), Version: v, Folder: folder))
            .Where(f => f.Ok && File.Exists(System.IO.Path.Combine(f.Folder, ModelFileName)))
            .OrderBy(f => f.Version)
            .Select(f => (f.Version, f.Folder))
            .ToList();

    /// <summary>labels.txt: one class label a line, in class-index order; empty when there is no file.</summary>
    private static IReadOnlyList<string> ReadLabelsFile(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray() : [];

    private static SessionOptions CreateSessionOptions(ExecutionDevice device)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        // ONNX Runtime's intra-op threads spin for a while after each run by default; in a server that shares its
        // cores with Kestrel's threads (and, here, the clients), that spinning takes the CPU the next requests need.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
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
