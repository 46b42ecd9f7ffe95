using System.Net;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve;

/// <summary>
/// How to run the server: where to listen and who may call it, which repository to serve on which device, and
/// the limits that keep a bad or heavy request from taking the server down. Every default is safe: loopback
/// only, bounded bodies, batches, concurrency, queue and time. <see cref="Problems"/> checks the values.
/// </summary>
public sealed record ServeOptions(string Host = "127.0.0.1", int Port = 8000, string ModelsDirectory = "models", ExecutionDevice Device = ExecutionDevice.Cpu)
{
    /// <summary>Environment variable that supplies the bearer token when --token is not given.</summary>
    public const string TokenVariable = "TOOLCHAIN_SERVE_TOKEN";

    /// <summary>Binding an address other than loopback must be asked for explicitly (--allow-remote).</summary>
    public bool AllowRemote { get; init; }

    /// <summary>When set, every route but /v2/health/* needs "Authorization: Bearer &lt;token&gt;".</summary>
    public string? Token { get; init; }

    /// <summary>Largest request body, in bytes (--max-request-bytes). 16 MiB holds a 1,024-image batch of 28x28 FP32 pixels as JSON.</summary>
    public long MaxRequestBodyBytes { get; init; } = 16L << 20;

    /// <summary>Largest batch (first dimension of an input whose first dimension is dynamic); 0 = no server-wide limit.</summary>
    public int MaxBatchSize { get; init; } = 1024;

    /// <summary>Infer requests read, validated and run at once (--max-concurrency).</summary>
    public int MaxConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Infer requests that may wait for a free slot; more are turned away at once with 503.</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>Longest an infer request waits for a slot before it is turned away with 503 and Retry-After.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest an infer request may take, from arrival to answer; beyond it the run is terminated.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Accept NaN and infinities in floating-point inputs (refused by default).</summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>How often the repository is rescanned for new, changed and removed versions; zero turns hot reload off.</summary>
    public TimeSpan ReloadInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Also rescan as soon as the file system reports a change (not a command-line option: tests turn it off to prove the timer alone suffices).</summary>
    public bool WatchFileSystem { get; init; } = true;

    /// <summary>On SIGTERM or Ctrl-C, how long requests in flight may take to finish before they are cut off.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public ValidationRules Validation => new(MaxBatchSize, AllowNonFinite);

    /// <summary>Whether <see cref="Host"/> is a loopback address (127.0.0.0/8, ::1) or "localhost".</summary>
    public bool IsLoopback => Host == "localhost" || (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Every value that is out of range, as messages naming the command-line option; empty when all are fine.</summary>
    public IEnumerable<string> Problems()
    {
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _))
            yield return $"--host: expected an IP address such as 127.0.0.1 or 0.0.0.0, or 'localhost'; got '{Host}'";
        else if (!IsLoopback && !AllowRemote)
            yield return $"--host {Host} is not a loopback address, so other machines could call the server; " +
                $"pass --allow-remote to mean it (and set a bearer token with --token or {TokenVariable})";
        if (Port is < 0 or > 65535)
            yield return $"--port: expected 0 to 65535, got {Port}";
        if (Token is not null && (Token.Length == 0 || Token.Any(char.IsWhiteSpace)))
            yield return "--token: expected a non-empty token without spaces";
        if (MaxRequestBodyBytes is < 1024 or > 1L << 30)
            yield return $"--max-request-bytes: expected 1024 to 1073741824 (1 GiB), got {MaxRequestBodyBytes}";
        if (MaxBatchSize < 0)
            yield return $"--max-batch-size: expected 0 (no limit) or more, got {MaxBatchSize}";
        if (MaxConcurrency < 1)
            yield return $"--max-concurrency: expected 1 or more, got {MaxConcurrency}";
        if (MaxQueue < 0)
            yield return $"--max-queue: expected 0 or more, got {MaxQueue}";
        if (QueueTimeout < TimeSpan.Zero)
            yield return $"--queue-timeout: expected 0 or more seconds, got {QueueTimeout.TotalSeconds}";
        if (RequestTimeout <= TimeSpan.Zero)
            yield return $"--request-timeout: expected more than 0 seconds, got {RequestTimeout.TotalSeconds}";
        if (ReloadInterval < TimeSpan.Zero)
            yield return $"--reload-interval: expected 0 (off) or more seconds, got {ReloadInterval.TotalSeconds}";
        if (ShutdownTimeout < TimeSpan.Zero)
            yield return $"--shutdown-timeout: expected 0 or more seconds, got {ShutdownTimeout.TotalSeconds}";
    }
}
