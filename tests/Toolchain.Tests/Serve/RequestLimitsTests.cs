using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// The request-size limits: a body past --max-request-bytes is 413, a batch past --max-batch-size is 400, and a
/// body that is not declared as JSON is 415; each with a JSON error, and the next valid request succeeds.
/// </summary>
[TestFixture]
public sealed class RequestLimitsTests
{
    private const string Classifier = "/v2/models/classifier/infer";
    private const int BodyLimit = 4096;

    private ServeTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(
            root => TestModels.Write(root, "classifier", 1, TestModels.Classifier(), TestModels.ClassifierLabels),
            o => o with { MaxRequestBodyBytes = BodyLimit, MaxBatchSize = 4 });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [TearDown]
    public async Task TheNextValidRequestSucceeds()
    {
        var (status, body) = await host.PostAsync(Classifier, Pixels(1));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
    }

    [Test]
    public async Task A_body_past_the_limit_is_413()
    {
        var json = Pixels(1).Replace("[0,", "[" + new string(' ', BodyLimit) + "0,");

        var (status, error) = await host.PostAsync(Classifier, json);

        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), error.ToJsonString());
        Assert.That(error["error"]!.GetValue<string>(), Does.Contain($"{BodyLimit} bytes"));
    }

    [Test]
    public async Task A_chunked_body_past_the_limit_is_413()
    {
        var json = Encoding.UTF8.GetBytes(Pixels(1).Replace("[0,", "[" + new string(' ', BodyLimit) + "0,"));
        using var content = new StreamContent(new MemoryStream(json)); // no length: sent chunked
        content.Headers.ContentType = new("application/json");

        using var response = await host.Client.PostAsync(Classifier, content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>(), Does.Contain($"{BodyLimit} bytes"));
    }

    [Test]
    public async Task A_batch_past_the_server_limit_is_400_and_one_at_the_limit_is_served()
    {
        var (status, error) = await host.PostAsync(Classifier, Pixels(5));
        var (atLimit, body) = await host.PostAsync(Classifier, Pixels(4));

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(error["error"]!.GetValue<string>(), Is.EqualTo("input 'pixels': batch size 5 exceeds the server's limit of 4 (--max-batch-size)"));
        Assert.That(atLimit, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
    }

    [TestCase("text/plain")]
    [TestCase("application/x-www-form-urlencoded")]
    [TestCase("application/xml")]
    [TestCase("multipart/form-data; boundary=x")]
    [TestCase("application/json; charset=iso-8859-1")]
    [TestCase("not a media type")]
    public async Task A_body_not_declared_as_json_is_415(string contentType)
    {
        var reply = await RawHttp.SendAsync(host.Url, RawHttp.Request("POST", Classifier, Encoding.UTF8.GetBytes(Pixels(1)), contentType),
            closeSending: false, TimeSpan.FromSeconds(10));

        Assert.That(reply!.Status, Is.EqualTo(415), reply.Body);
        Assert.That(JsonNode.Parse(reply.Body)!["error"]!.GetValue<string>(), Does.StartWith("request body must be JSON (Content-Type: application/json)"));
    }

    [TestCase(null)]
    [TestCase("application/json")]
    [TestCase("Application/JSON; charset=UTF-8")]
    [TestCase("application/vnd.kserve+json")]
    public async Task A_json_body_is_served_with_or_without_a_content_type(string? contentType)
    {
        var reply = await RawHttp.SendAsync(host.Url, RawHttp.Request("POST", Classifier, Encoding.UTF8.GetBytes(Pixels(1)), contentType),
            closeSending: false, TimeSpan.FromSeconds(10));

        Assert.That(reply!.Status, Is.EqualTo(200), reply.Body);
    }

    private static string Pixels(int batch) =>
        $$"""{"inputs": [{"name": "pixels", "shape": [{{batch}}, 2, 2], "datatype": "UINT8", "data": [{{string.Join(",", Enumerable.Repeat(0, batch * 4))}}]}]}""";
}
