using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Prometheus;
using Toolchain.Serve.Api;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve;

/// <summary>
/// The inference server: a model repository, loaded up front, behind Kestrel. Owns both; disposing the
/// server stops Kestrel and releases every ONNX Runtime session. Used by Program and, in-process, by tests.
/// </summary>
public sealed class InferenceServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ModelRepository models;

    private InferenceServer(WebApplication app, ModelRepository models)
    {
        this.app = app;
        this.models = models;
    }

    public ModelRepository Models => models;

    /// <summary>The address Kestrel bound, e.g. http://127.0.0.1:8000 (the real port when --port 0). Set by <see cref="StartAsync"/>.</summary>
    public Uri? Url { get; private set; }

    /// <summary>
    /// Loads the repository and builds the web application. Throws <see cref="ModelLoadException"/> for a
    /// bad repository or device, <see cref="ArgumentException"/> for a bad host or port.
    /// </summary>
    public static InferenceServer Create(ServeOptions options)
    {
        var endpoint = ParseEndpoint(options.Host, options.Port);
        var models = ModelRepository.Load(options.ModelsDirectory, options.Device);
        try
        {
            return new InferenceServer(BuildApp(options, endpoint, models), models);
        }
        catch
        {
            models.Dispose();
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancel = default)
    {
        await app.StartAsync(cancel);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address);
    }

    public Task WaitForShutdownAsync(CancellationToken cancel = default) => app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        models.Dispose();
    }

    private static WebApplication BuildApp(ServeOptions options, IPEndPoint endpoint, ModelRepository models)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(InferenceServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed start (port in use) is rethrown to Program, which reports it in one line; no stack trace here.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endpoint);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
            json.SerializerOptions.DictionaryKeyPolicy = null;
        });
        builder.Services.AddSingleton(models);
        builder.Services.AddSingleton(new InferenceMetrics(Metrics.NewCustomRegistry()));

        var app = builder.Build();
        var metrics = app.Services.GetRequiredService<InferenceMetrics>();
        app.UseJsonErrors();
        app.UseRouting();
        app.UseHttpMetrics(o => o.SetMetricFactory(Metrics.WithCustomRegistry(metrics.Registry)));
        app.MapInferenceApi();
        app.MapMetrics("/metrics", metrics.Registry);
        app.MapJsonNotFound();
        return app;
    }

    /// <summary>An IP address, or "localhost" for 127.0.0.1; host names are not resolved, to keep the bind explicit.</summary>
    private static IPEndPoint ParseEndpoint(string host, int port)
    {
        if (port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, $"expected 0 (any free port) to 65535, got {port}");
        if (host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out var address))
            throw new ArgumentException($"expected an IP address such as 127.0.0.1 or 0.0.0.0, or 'localhost'; got '{host}'", nameof(host));
        return new IPEndPoint(address, port);
    }
}
