using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Toolchain.Serve;

namespace Toolchain.Tests.Serve;

/// <summary>
/// An in-process inference server on an ephemeral 127.0.0.1 port over a temporary model repository,
/// with an HTTP client pointed at it. Disposing stops the server and deletes the repository.
/// </summary>
public sealed class ServeTestHost : IAsyncDisposable
{
    private ServeTestHost(string repository, InferenceServer server)
    {
        Repository = repository;
        Server = server;
        Client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Repository { get; }

    public InferenceServer Server { get; }

    public HttpClient Client { get; }

    public Uri Url => Server.Url!;

    /// <summary>
    /// Makes a temp repository, lets <paramref name="populate"/> fill it, and starts a server on it with default
    /// options, changed by <paramref name="configure"/> when given.
    /// </summary>
    public static async Task<ServeTestHost> StartAsync(Action<string> populate, Func<ServeOptions, ServeOptions>? configure = null)
    {
        var repository = Path.Combine(Path.GetTempPath(), "toolchain-serve-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(repository);
        populate(repository);
        var options = new ServeOptions(Host: "127.0.0.1", Port: 0, ModelsDirectory: repository);
        var server = InferenceServer.Create(configure is null ? options : configure(options));
        await server.StartAsync();
        return new ServeTestHost(repository, server);
    }

    public async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return (response.StatusCode, await ReadBody(response));
    }

    public async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(path, content);
        return (response.StatusCode, await ReadBody(response));
    }

    public Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(string path, object request) =>
        PostAsync(path, JsonSerializer.Serialize(request));

    /// <summary>A sample's value from GET /metrics, e.g. "toolchain_inference_in_flight"; fails if it is absent.</summary>
    public Task<double> MetricAsync(string sample) => MetricAsync(Client, sample);

    /// <summary>A sample's value from GET /metrics of the server <paramref name="client"/> points at.</summary>
    public static async Task<double> MetricAsync(HttpClient client, string sample)
    {
        var text = await client.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal))
            ?? throw new AssertionException($"/metrics has no sample '{sample}'");
        return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting until {what}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try { Directory.Delete(Repository, recursive: true); } catch (IOException) { }
    }

    private static async Task<JsonNode> ReadBody(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonNode.Parse(text) ?? throw new AssertionException($"HTTP {(int)response.StatusCode}: body is JSON null");
        }
        catch (JsonException)
        {
            throw new AssertionException($"HTTP {(int)response.StatusCode}: body is not JSON: {text}");
        }
    }
}
