using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Prometheus;
using Toolchain.Serve.Api;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve;

/// <summary>
/// The inference server: a model repository behind Kestrel, with the limits of <see cref="ServeOptions"/> and,
/// once started, a <see cref="RepositoryWatcher"/> that hot-reloads the repository. Owns all of it; disposing
/// the server stops Kestrel (letting requests in flight finish, up to the shutdown timeout), then the watcher,
/// then releases every ONNX Runtime session. Used by Program and, in-process, by tests.
/// </summary>
public sealed class InferenceServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ModelRepository models;
    private readonly InferenceSlots slots;
    private readonly ServeOptions options;
    private RepositoryWatcher? watcher;

    private InferenceServer(WebApplication app, ModelRepository models, InferenceSlots slots, ServeOptions options)
    {
        this.app = app;
        this.models = models;
        this.slots = slots;
        this.options = options;
    }

    public ModelRepository Models => models;

    /// <summary>The address Kestrel bound, e.g. http://127.0.0.1:8000 (the real port when --port 0). Set by <see cref="StartAsync"/>.</summary>
    public Uri? Url { get; private set; }

    /// <summary>
    /// Loads the repository and builds the web application. Throws <see cref="ModelLoadException"/> for a
    /// bad repository or device, <see cref="ArgumentException"/> for options out of range (including a
    /// non-loopback host without <see cref="ServeOptions.AllowRemote"/>).
    /// </summary>
    public static InferenceServer Create(ServeOptions options)
    {
        if (options.Problems().FirstOrDefault() is { } problem)
            throw new ArgumentException(problem, nameof(options));
        var endpoint = ParseEndpoint(options.Host, options.Port);
        var models = ModelRepository.Load(options.ModelsDirectory, options.Device);
        var slots = new InferenceSlots(options.MaxConcurrency, options.MaxQueue);
        try
        {
            return new InferenceServer(BuildApp(options, endpoint, models, slots), models, slots, options);
        }
        catch
        {
            slots.Dispose();
            models.Dispose();
            throw;
        }
    }

    /// <summary>Starts listening, then (unless --reload-interval is 0) starts watching the repository.</summary>
    public async Task StartAsync(CancellationToken cancel = default)
    {
        await app.StartAsync(cancel);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address);
        if (options.ReloadInterval > TimeSpan.Zero)
            watcher = new RepositoryWatcher(models, options.ReloadInterval, options.WatchFileSystem,
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<RepositoryWatcher>());
    }

    public Task WaitForShutdownAsync(CancellationToken cancel = default) => app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        if (watcher is not null) await watcher.DisposeAsync();
        models.Dispose();
        slots.Dispose();
    }

    private static WebApplication BuildApp(ServeOptions options, IPEndPoint endpoint, ModelRepository models, InferenceSlots slots)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(InferenceServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Hot-reload news (a version loaded or unloaded) is worth a line; everything else only when it goes wrong.
        builder.Logging.AddFilter("Toolchain", LogLevel.Information);
        // A failed start (port in use) is rethrown to Program, which reports it in one line; no stack trace here.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endpoint);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
            json.SerializerOptions.DictionaryKeyPolicy = null;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(models);
        builder.Services.AddSingleton(slots);
        builder.Services.AddSingleton(new InferenceMetrics(Metrics.NewCustomRegistry(), slots, models));

        var app = builder.Build();
        var metrics = app.Services.GetRequiredService<InferenceMetrics>();
        app.UseJsonErrors();
        app.UseBearerToken(options.Token);
        app.UseRouting();
        // Infer calls have metrics of their own (toolchain_inference_*, by model, version and outcome); prometheus-net's
        // HTTP middleware on top cost about a fifth of a batch-1 binary request's CPU time, so it counts the other routes.
        app.UseWhen(context => !InferenceApi.IsInferPath(context.Request.Path),
            branch => branch.UseHttpMetrics(o => o.SetMetricFactory(Metrics.WithCustomRegistry(metrics.Registry))));
        app.MapInferenceApi();
        app.MapMetrics("/metrics", metrics.Registry);
        app.MapJsonNotFound();
        return app;
    }

    /// <summary>An IP address, or "localhost" for 127.0.0.1; host names are not resolved, to keep the bind explicit.</summary>
    private static IPEndPoint ParseEndpoint(string host, int port) =>
        new(host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host), port);
}
