using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Model names and versions in URLs are looked up among the models the repository scan found, never joined to a
/// path: "..", encoded slashes and backslashes, absolute paths and odd bytes reach no file outside the repository.
/// A valid model (a classifier, answering with logits) sits right beside the repository, where a path-joining server
/// would find it; the one model inside answers with scores. A crafted URL gets a 404 or 400, or, where the URL
/// normalises to a route inside the API, the inside model's answer, but never the outside model's.
/// </summary>
[TestFixture]
public sealed class PathTraversalTests
{
    private ServeTestHost host = null!;
    private string outside = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(root => TestModels.Write(root, "inside", 1, TestModels.BrightestPixel()));
        outside = host.Repository + "-outside";
        TestModels.Write(outside, "secret", 1, TestModels.Classifier());
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await host.DisposeAsync();
        Directory.Delete(outside, recursive: true);
    }

    private string OutsideName => Path.GetFileName(outside);

    public static IEnumerable<string> Targets()
    {
        yield return "/v2/models/../../{outside}/secret/infer";
        yield return "/v2/models/..%2F{outside}%2Fsecret/infer";
        yield return "/v2/models/..%2f..%2f{outside}%2fsecret/infer";
        yield return "/v2/models/%2e%2e%2F{outside}%2Fsecret/infer";
        yield return "/v2/models/%2e%2e/%2e%2e/{outside}/secret/infer";
        yield return "/v2/models/..%5C{outside}%5Csecret/infer";
        yield return "/v2/models/{absolute}/infer";
        yield return "/v2/models/{absolute}/versions/1/infer";
        yield return "/v2/models/inside/versions/..%2F..%2F..%2F{outside}%2Fsecret%2F1/infer";
        yield return "/v2/models/inside/versions/%2e%2e/infer";
        yield return "/v2/models/inside/versions/1%2F..%2F..%2F..%2F{outside}%2Fsecret%2F1/infer";
        yield return "/v2/models/secret/infer";
        yield return "/v2/models/.%2Finside/infer";
        yield return "/v2/models/inside%00/infer";
        yield return "/v2/models/inside%2F1/infer";
    }

    [TestCaseSource(nameof(Targets))]
    public async Task A_crafted_model_or_version_reaches_nothing_outside_the_repository(string target)
    {
        target = target.Replace("{outside}", OutsideName)
            .Replace("{absolute}", Uri.EscapeDataString(Path.Combine(outside, "secret")));

        var reply = await RawHttp.SendAsync(host.Url, RawHttp.Request("POST", target, Encoding.UTF8.GetBytes(Request)), closeSending: false, TimeSpan.FromSeconds(10));

        Assert.That(reply, Is.Not.Null);
        Assert.That(reply!.Body, Does.Not.Contain("logits"));
        if (reply.Status == 200)
            Assert.That(JsonNode.Parse(reply.Body)!["model_name"]!.GetValue<string>(), Is.EqualTo("inside"));
        else
        {
            Assert.That(reply.Status, Is.EqualTo(404).Or.EqualTo(400), reply.Body);
            if (reply.Status == 404)
                Assert.That(JsonNode.Parse(reply.Body)!["error"]!.GetValue<string>(), Does.StartWith("unknown ").Or.StartWith("no route"));
        }
    }

    [Test]
    public async Task The_same_request_to_the_model_inside_is_served()
    {
        var (status, body) = await host.PostAsync("/v2/models/inside/infer", Request);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
    }

    private const string Request = """{"inputs": [{"name": "pixels", "shape": [1, 2, 2], "datatype": "UINT8", "data": [1, 9, 3, 4]}]}""";
}
