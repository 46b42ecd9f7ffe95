namespace Toolchain.Serve.Repository;

/// <summary>
/// Hot reload: keeps a <see cref="ModelRepository"/> in step with its folder while the server runs. A
/// FileSystemWatcher asks for a rescan as soon as something changes (after the folder has been quiet for
/// <see cref="Quiet"/>, so a version being copied in is scanned once, when complete); a rescan every
/// <c>interval</c> catches whatever the watcher misses (network file systems, event overflow, no inotify).
/// Rescans run one at a time on a background task; what they change is logged, and a failure never stops
/// the loop or the server.
/// </summary>
public sealed class RepositoryWatcher : IAsyncDisposable
{
    /// <summary>How long the folder must be still after a change before it is rescanned.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest a stream of changes can hold a rescan back.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    private readonly ModelRepository repository;
    private readonly TimeSpan interval;
    private readonly ILogger logger;
    private readonly FileSystemWatcher? watcher;
    private readonly SemaphoreSlim changed = new(0, 1);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public RepositoryWatcher(ModelRepository repository, TimeSpan interval, bool watchFileSystem, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        this.repository = repository;
        this.interval = interval;
        this.logger = logger;
        if (watchFileSystem) watcher = StartWatching();
        loop = Task.Run(RunAsync);
    }

    /// <summary>Whether file-system events are being received (false: rescans come from the timer only).</summary>
    public bool IsWatching => watcher is not null;

    public async ValueTask DisposeAsync()
    {
        watcher?.Dispose();
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
        changed.Dispose();
    }

    private FileSystemWatcher? StartWatching()
    {
        FileSystemWatcher? fileSystem = null;
        try
        {
            fileSystem = new FileSystemWatcher(repository.Directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.DirectoryName | NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            fileSystem.Created += (_, e) => OnChange(e.FullPath);
            fileSystem.Changed += (_, e) => OnChange(e.FullPath);
            fileSystem.Deleted += (_, e) => OnChange(e.FullPath);
            fileSystem.Renamed += (_, e) => OnChange(e.FullPath);
            fileSystem.Error += (_, e) =>
            {
                logger.LogWarning("watching '{Directory}' reported {Error}; rescanning", repository.Directory, e.GetException().Message);
                Signal();
            };
            fileSystem.EnableRaisingEvents = true;
            return fileSystem;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            fileSystem?.Dispose();
            logger.LogWarning("cannot watch '{Directory}' for changes ({Message}); rescanning it every {Interval}", repository.Directory, e.Message, interval);
            return null;
        }
    }

    /// <summary>Changes inside hidden folders (export's .staging-…) are not the repository's until they are moved into place.</summary>
    private void OnChange(string path)
    {
        var relative = Path.GetRelativePath(repository.Directory, path);
        if (relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.') && part is not "." and not ".."))
            return;
        Signal();
    }

    private void Signal()
    {
        try
        {
            if (changed.CurrentCount == 0) changed.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already signalled, or shutting down.
        }
    }

    private async Task RunAsync()
    {
        var token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (await changed.WaitAsync(interval, token))
                {
                    var deadline = DateTime.UtcNow + MaxDelay;
                    while (DateTime.UtcNow < deadline && await changed.WaitAsync(Quiet, token)) { }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Rescan();
        }
    }

    private void Rescan()
    {
        try
        {
            var report = repository.Reload();
            foreach (var version in report.Loaded)
                logger.LogInformation("loaded model '{Model}' version {Version} from '{Path}'", version.Name, version.Version, version.Path);
            foreach (var version in report.Unloaded)
                logger.LogInformation("unloaded model '{Model}' version {Version} (it finishes the requests already using it)", version.Name, version.Version);
            foreach (var (model, _, message) in report.Failed)
            {
                var served = repository.VersionsOf(model);
                logger.LogError("{Message}; still serving {Served}", message,
                    served.Count > 0 ? $"'{model}' versions {string.Join(", ", served)}" : $"no version of '{model}'");
            }
        }
        catch (ObjectDisposedException)
        {
            // The repository was closed while a rescan was due: the server is stopping.
        }
        catch (Exception e)
        {
            logger.LogError(e, "rescanning '{Directory}' failed; still serving the models loaded before", repository.Directory);
        }
    }
}
