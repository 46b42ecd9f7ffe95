using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>Health, server and model metadata, and readiness describe what the repository holds.</summary>
[TestFixture]
public sealed class ModelMetadataTests
{
    private ServeTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(root =>
        {
            var metadata = new Dictionary<string, string> { ["version"] = "7", ["test_accuracy"] = "0.875" };
            TestModels.Write(root, "classifier", 1, TestModels.Classifier(), TestModels.ClassifierLabels);
            TestModels.Write(root, "classifier", 2, TestModels.Classifier(2f, metadata), TestModels.ClassifierLabels);
            TestModels.Write(root, "brightest", 1, TestModels.BrightestPixel());
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task Model_metadata_matches_the_graph()
    {
        var (status, body) = await host.GetAsync("/v2/models/classifier");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(body["name"]!.GetValue<string>(), Is.EqualTo("classifier"));
        Assert.That(Strings(body["versions"]), Is.EqualTo(new[] { "1", "2" }));
        Assert.That(body["platform"]!.GetValue<string>(), Is.EqualTo("onnxruntime_onnx"));
        Assert.That(Tensors(body["inputs"]), Is.EqualTo(new[] { "pixels UINT8 [-1,2,2]" }));
        Assert.That(Tensors(body["outputs"]), Is.EqualTo(new[] { "logits FP32 [-1,3]", "probabilities FP32 [-1,3]", "class_index INT64 [-1]" }));
        Assert.That(Strings(body["labels"]), Is.EqualTo(TestModels.ClassifierLabels));
        Assert.That(body["parameters"]!["test_accuracy"]!.GetValue<string>(), Is.EqualTo("0.875"), "metadata_props of the latest version");
        Assert.That(body["parameters"]!["version"]!.GetValue<string>(), Is.EqualTo("7"));
    }

    [Test]
    public async Task Version_metadata_describes_that_version_only()
    {
        var (status, body) = await host.GetAsync("/v2/models/classifier/versions/1");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(Strings(body["versions"]), Is.EqualTo(new[] { "1" }));
        Assert.That(body["parameters"], Is.Null, "version 1 has no metadata_props");
    }

    [Test]
    public async Task Model_without_labels_has_no_labels_field()
    {
        var (status, body) = await host.GetAsync("/v2/models/brightest");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(body["labels"], Is.Null);
        Assert.That(Tensors(body["outputs"]), Is.EqualTo(new[] { "scores FP32 [-1,4]", "class_index INT64 [-1]" }));
    }

    [Test]
    public async Task Health_and_readiness_answer_200()
    {
        var (live, liveBody) = await host.GetAsync("/v2/health/live");
        var (ready, readyBody) = await host.GetAsync("/v2/health/ready");
        var (modelReady, modelBody) = await host.GetAsync("/v2/models/classifier/ready");
        var (versionReady, versionBody) = await host.GetAsync("/v2/models/classifier/versions/1/ready");

        Assert.Multiple(() =>
        {
            Assert.That((live, liveBody["live"]!.GetValue<bool>()), Is.EqualTo((HttpStatusCode.OK, true)));
            Assert.That((ready, readyBody["ready"]!.GetValue<bool>()), Is.EqualTo((HttpStatusCode.OK, true)));
            Assert.That((modelReady, modelBody["ready"]!.GetValue<bool>(), modelBody["version"]!.GetValue<string>()), Is.EqualTo((HttpStatusCode.OK, true, "2")));
            Assert.That((versionReady, versionBody["version"]!.GetValue<string>()), Is.EqualTo((HttpStatusCode.OK, "1")));
        });
    }

    [Test]
    public async Task Server_metadata_names_the_server_and_its_extensions()
    {
        var (status, body) = await host.GetAsync("/v2");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body["name"]!.GetValue<string>(), Is.EqualTo("toolchain-serve"));
        Assert.That(body["version"]!.GetValue<string>(), Does.Match(@"^\d+\.\d+\.\d+$"));
        Assert.That(Strings(body["extensions"]), Does.Contain("classification"));
    }

    [Test]
    public async Task Metrics_count_infer_requests_per_model_and_outcome()
    {
        await host.PostAsync("/v2/models/brightest/infer", InferRoundTripTests.PixelsRequest([1, 2, 3, 4, 5, 6, 7, 8], 2));
        await host.PostAsync("/v2/models/brightest/infer", "{not json");

        using var response = await host.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(text, Does.Contain("toolchain_inference_requests_total{model=\"brightest\",version=\"1\",outcome=\"ok\"} 1"));
        Assert.That(text, Does.Contain("toolchain_inference_requests_total{model=\"brightest\",version=\"1\",outcome=\"bad_request\"} 1"));
        Assert.That(text, Does.Contain("toolchain_inference_items_total{model=\"brightest\",version=\"1\"} 2"));
        Assert.That(text, Does.Contain("http_request_duration_seconds"));
    }

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(s => s!.GetValue<string>()).ToArray();

    private static string[] Tensors(JsonNode? array) => array!.AsArray()
        .Select(t => $"{t!["name"]} {t["datatype"]} [{string.Join(",", t["shape"]!.AsArray().Select(d => d!.GetValue<long>()))}]")
        .ToArray();
}
