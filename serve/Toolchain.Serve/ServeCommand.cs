using System.CommandLine;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve;

/// <summary>
/// The toolchain-serve command line: options and their defaults, parsed into <see cref="ServeOptions"/>; the
/// checks are <see cref="ServeOptions.Problems"/>, each printed on its own line before exiting 1. The token comes from --token or, failing that, from the
/// TOOLCHAIN_SERVE_TOKEN environment variable (which, unlike an argument, other users cannot see in ps).
/// </summary>
public static class ServeCommand
{
    public static RootCommand Create(Func<ServeOptions, CancellationToken, Task<int>> run)
    {
        var defaults = new ServeOptions();
        var host = new Option<string>("--host")
        {
            Description = "IP address to bind; anything but loopback (127.0.0.1, ::1) also needs --allow-remote",
            DefaultValueFactory = _ => defaults.Host,
        };
        var port = new Option<int>("--port")
        {
            Description = "TCP port; 0 picks a free one (the bound URL is printed on start-up)",
            DefaultValueFactory = _ => defaults.Port,
        };
        var models = new Option<string>("--models")
        {
            Description = "model repository: <name>/config.pbtxt, <name>/labels.txt, <name>/<version>/model.onnx",
            DefaultValueFactory = _ => defaults.ModelsDirectory,
        };
        var device = new Option<string>("--device")
        {
            Description = "execution provider: cpu, or cuda (fails at start-up if CUDA cannot be used)",
            DefaultValueFactory = _ => "cpu",
        };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "allow --host to be an address other machines can reach (0.0.0.0, a LAN address)",
        };
        var token = new Option<string?>("--token")
        {
            Description = $"require 'Authorization: Bearer TOKEN' on every route but /v2/health/* (default: ${ServeOptions.TokenVariable}, else none)",
        };
        var maxRequestBytes = new Option<long>("--max-request-bytes")
        {
            Description = "largest request body in bytes; larger ones get 413",
            DefaultValueFactory = _ => defaults.MaxRequestBodyBytes,
        };
        var maxBatchSize = new Option<int>("--max-batch-size")
        {
            Description = "largest batch (dynamic first dimension) per request, 0 = no server-wide limit; larger ones get 400",
            DefaultValueFactory = _ => defaults.MaxBatchSize,
        };
        var maxConcurrency = new Option<int>("--max-concurrency")
        {
            Description = "infer requests read, validated and run at once (default: the number of CPU cores)",
            DefaultValueFactory = _ => defaults.MaxConcurrency,
        };
        var maxQueue = new Option<int>("--max-queue")
        {
            Description = "infer requests that may wait for a slot; more get 503 with Retry-After at once",
            DefaultValueFactory = _ => defaults.MaxQueue,
        };
        var queueTimeout = Seconds("--queue-timeout", "longest wait for a slot, in seconds; then 503 with Retry-After", defaults.QueueTimeout);
        var requestTimeout = Seconds("--request-timeout", "longest an infer request may take, in seconds; then the run is stopped and 504 (408 while still reading the body)", defaults.RequestTimeout);
        var allowNonFinite = new Option<bool>("--allow-non-finite")
        {
            Description = "accept NaN, Infinity and -Infinity in floating-point inputs (refused with 400 by default)",
        };
        var reloadInterval = Seconds("--reload-interval", "rescan the repository this often, in seconds, besides on every change seen; 0 turns hot reload off", defaults.ReloadInterval);
        var shutdownTimeout = Seconds("--shutdown-timeout", "on SIGTERM or Ctrl-C, how long requests in flight may take to finish, in seconds", defaults.ShutdownTimeout);

        var root = new RootCommand("Serves every model in a repository over the Open Inference Protocol (KServe v2 REST).")
        {
            host, port, models, device, allowRemote, token, maxRequestBytes, maxBatchSize, maxConcurrency, maxQueue,
            queueTimeout, requestTimeout, allowNonFinite, reloadInterval, shutdownTimeout,
        };
        root.SetAction((parsed, cancel) =>
        {
            var options = new ServeOptions(parsed.GetValue(host)!, parsed.GetValue(port), parsed.GetValue(models)!,
                parsed.GetValue(device) == "cuda" ? ExecutionDevice.Cuda : ExecutionDevice.Cpu)
            {
                AllowRemote = parsed.GetValue(allowRemote),
                Token = parsed.GetValue(token) ?? EnvironmentToken(),
                MaxRequestBodyBytes = parsed.GetValue(maxRequestBytes),
                MaxBatchSize = parsed.GetValue(maxBatchSize),
                MaxConcurrency = parsed.GetValue(maxConcurrency),
                MaxQueue = parsed.GetValue(maxQueue),
                QueueTimeout = Time(parsed, queueTimeout),
                RequestTimeout = Time(parsed, requestTimeout),
                AllowNonFinite = parsed.GetValue(allowNonFinite),
                ReloadInterval = Time(parsed, reloadInterval),
                ShutdownTimeout = Time(parsed, shutdownTimeout),
            };
            var problems = options.Problems().ToList();
            foreach (var problem in problems)
                parsed.InvocationConfiguration.Error.WriteLine($"toolchain-serve: {problem}");
            return problems.Count > 0 ? Task.FromResult(1) : run(options, cancel);
        });
        return root;
    }

    private static string? EnvironmentToken() =>
        Environment.GetEnvironmentVariable(ServeOptions.TokenVariable) is { Length: > 0 } value ? value : null;

    /// <summary>An option given in seconds (fractions allowed), a day at most; read with <see cref="Time"/>.</summary>
    private static Option<double> Seconds(string name, string description, TimeSpan defaultValue)
    {
        var option = new Option<double>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue.TotalSeconds,
        };
        option.Validators.Add(result =>
        {
            // A value that is not a number at all is reported by the parser itself.
            if (result.Tokens.Count == 0 || !double.TryParse(result.Tokens[^1].Value, System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                return;
            if (!double.IsFinite(seconds) || Math.Abs(seconds) > 86_400)
                result.AddError($"{name}: expected a number of seconds up to 86400, got {seconds}");
        });
        return option;
    }

    private static TimeSpan Time(ParseResult parsed, Option<double> seconds) => TimeSpan.FromSeconds(parsed.GetValue(seconds));
}
