using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// With a token, every route but the health probes needs "Authorization: Bearer &lt;token&gt;": without it, or with
/// the wrong one, the answer is 401 with WWW-Authenticate and a JSON error, whatever the route.
/// </summary>
[TestFixture]
public sealed class BearerTokenTests
{
    private const string Token = "s3cret-t0ken";
    private const string Infer = "/v2/models/classifier/infer";
    private const string Pixels = """{"inputs": [{"name": "pixels", "shape": [1, 2, 2], "datatype": "UINT8", "data": [0, 64, 128, 255]}]}""";

    private ServeTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(root => TestModels.Write(root, "classifier", 1, TestModels.Classifier()), o => o with { Token = Token });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [TestCase("/v2/health/live")]
    [TestCase("/v2/health/ready")]
    public async Task Health_probes_need_no_token(string path)
    {
        using var response = await Send(HttpMethod.Get, path, authorization: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("GET", "/v2", null)]
    [TestCase("GET", "/v2/models/classifier", null)]
    [TestCase("GET", "/v2/models/classifier/ready", null)]
    [TestCase("GET", "/metrics", null)]
    [TestCase("GET", "/no/such/route", null)]
    [TestCase("POST", Infer, null)]
    [TestCase("POST", Infer, "Bearer wrong-token")]
    [TestCase("POST", Infer, "Bearer " + Token + "x")]
    [TestCase("POST", Infer, "Basic " + Token)]
    [TestCase("POST", Infer, Token)]
    public async Task Anything_else_without_the_right_token_is_401(string method, string path, string? authorization)
    {
        using var response = await Send(new HttpMethod(method), path, authorization);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>(), Does.Contain("bearer token"));
    }

    [TestCase("Bearer " + Token)]
    [TestCase("bearer " + Token)]
    public async Task The_right_token_is_let_through(string authorization)
    {
        using var infer = await Send(HttpMethod.Post, Infer, authorization);
        using var metrics = await Send(HttpMethod.Get, "/metrics", authorization);

        Assert.That(infer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await infer.Content.ReadAsStringAsync());
        Assert.That(metrics.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? authorization)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post) request.Content = new StringContent(Pixels, Encoding.UTF8, "application/json");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await host.Client.SendAsync(request);
    }
}
