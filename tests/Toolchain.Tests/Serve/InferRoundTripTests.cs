using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>Infer calls over a real loopback socket give exactly what ONNX Runtime gives when run directly.</summary>
[TestFixture]
public sealed class InferRoundTripTests
{
    private ServeTestHost host = null!;
    private string classifierV1 = null!;
    private string classifierV2 = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(root =>
        {
            classifierV1 = TestModels.Write(root, "classifier", 1, TestModels.Classifier(scale: 1f), TestModels.ClassifierLabels);
            classifierV2 = TestModels.Write(root, "classifier", 2, TestModels.Classifier(scale: -3f), TestModels.ClassifierLabels);
            TestModels.Write(root, "adder", 1, TestModels.Adder());
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task Infer_returns_what_onnx_runtime_computes_directly()
    {
        var pixels = RandomPixels(batch: 5, seed: 1);
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer", new
        {
            id = "request-42",
            parameters = new { priority = 1 },
            inputs = new[] { new { name = "pixels", shape = new[] { 5, 2, 2 }, datatype = "UINT8", data = pixels.Select(p => (int)p).ToArray() } },
        });

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(body["model_name"]!.GetValue<string>(), Is.EqualTo("classifier"));
        Assert.That(body["model_version"]!.GetValue<string>(), Is.EqualTo("2"));
        Assert.That(body["id"]!.GetValue<string>(), Is.EqualTo("request-42"));
        var outputs = Outputs(body);
        Assert.That(outputs.Keys, Is.EqualTo(new[] { "logits", "probabilities", "class_index" }));

        var expected = RunDirectly(classifierV2, pixels, [5, 2, 2]);
        Assert.Multiple(() =>
        {
            Assert.That(Floats(outputs["logits"]), Is.EqualTo(expected.Logits));
            Assert.That(Floats(outputs["probabilities"]), Is.EqualTo(expected.Probabilities));
            Assert.That(Longs(outputs["class_index"]), Is.EqualTo(expected.ClassIndex));
            Assert.That(outputs["logits"]["datatype"]!.GetValue<string>(), Is.EqualTo("FP32"));
            Assert.That(outputs["logits"]["shape"]!.AsArray().Select(d => d!.GetValue<long>()), Is.EqualTo(new long[] { 5, 3 }));
            Assert.That(outputs["class_index"]["datatype"]!.GetValue<string>(), Is.EqualTo("INT64"));
            Assert.That(outputs["class_index"]["shape"]!.AsArray().Select(d => d!.GetValue<long>()), Is.EqualTo(new long[] { 5 }));
        });
    }

    [Test]
    public async Task Explicit_version_route_runs_that_version()
    {
        var pixels = RandomPixels(batch: 3, seed: 2);
        var (status, body) = await host.PostAsync("/v2/models/classifier/versions/1/infer", PixelsRequest(pixels, 3));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(body["model_version"]!.GetValue<string>(), Is.EqualTo("1"));
        var expected = RunDirectly(classifierV1, pixels, [3, 2, 2]);
        Assert.That(Floats(Outputs(body)["logits"]), Is.EqualTo(expected.Logits));
        Assert.That(expected.Logits, Is.Not.EqualTo(RunDirectly(classifierV2, pixels, [3, 2, 2]).Logits), "the two versions must differ for this test to mean anything");
    }

    [Test]
    public async Task Nested_data_is_read_as_row_major()
    {
        var pixels = RandomPixels(batch: 2, seed: 3);
        var nested = new[]
        {
            new[] { new[] { pixels[0], pixels[1] }, new[] { pixels[2], pixels[3] } },
            new[] { new[] { pixels[4], pixels[5] }, new[] { pixels[6], pixels[7] } },
        }.Select(image => image.Select(row => row.Select(p => (int)p).ToArray()).ToArray()).ToArray();
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer", new
        {
            inputs = new[] { new { name = "pixels", shape = new[] { 2, 2, 2 }, datatype = "UINT8", data = nested } },
        });

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(Floats(Outputs(body)["logits"]), Is.EqualTo(RunDirectly(classifierV2, pixels, [2, 2, 2]).Logits));
    }

    [Test]
    public async Task Requested_outputs_limit_the_response()
    {
        var pixels = RandomPixels(batch: 4, seed: 4);
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer", new
        {
            inputs = new[] { new { name = "pixels", shape = new[] { 4, 2, 2 }, datatype = "UINT8", data = pixels.Select(p => (int)p).ToArray() } },
            outputs = new[] { new { name = "class_index" } },
        });

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        var outputs = Outputs(body);
        Assert.That(outputs.Keys, Is.EqualTo(new[] { "class_index" }));
        Assert.That(Longs(outputs["class_index"]), Is.EqualTo(RunDirectly(classifierV2, pixels, [4, 2, 2]).ClassIndex));
    }

    [Test]
    public async Task Classification_parameter_returns_top_k_with_labels()
    {
        var pixels = RandomPixels(batch: 2, seed: 5);
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer", new
        {
            inputs = new[] { new { name = "pixels", shape = new[] { 2, 2, 2 }, datatype = "UINT8", data = pixels.Select(p => (int)p).ToArray() } },
            outputs = new[] { new { name = "probabilities", parameters = new { classification = 2 } } },
        });

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        var output = Outputs(body)["probabilities"];
        Assert.That(output["datatype"]!.GetValue<string>(), Is.EqualTo("BYTES"));
        Assert.That(output["shape"]!.AsArray().Select(d => d!.GetValue<long>()), Is.EqualTo(new long[] { 2, 2 }));
        var expected = RunDirectly(classifierV2, pixels, [2, 2, 2]).Probabilities;
        var strings = output["data"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        for (int row = 0; row < 2; row++)
        {
            var ranked = Enumerable.Range(0, 3).OrderByDescending(c => expected[row * 3 + c]).ToArray();
            for (int k = 0; k < 2; k++)
            {
                var parts = strings[row * 2 + k].Split(':');
                Assert.That(float.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expected[row * 3 + ranked[k]]));
                Assert.That(int.Parse(parts[1]), Is.EqualTo(ranked[k]));
                Assert.That(parts[2], Is.EqualTo(TestModels.ClassifierLabels[ranked[k]]));
            }
        }
    }

    [Test]
    public async Task Several_inputs_of_different_types_are_bound_by_name()
    {
        var (status, body) = await host.PostAsync("/v2/models/adder/infer", """
            {"inputs": [
              {"name": "count", "shape": [1], "datatype": "INT64", "data": [9007199254740993]},
              {"name": "b", "shape": [2, 3], "datatype": "FP32", "data": [[0.5, 0.25, -1], [10, 20, 30]]},
              {"name": "a", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}
            ]}
            """);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        var outputs = Outputs(body);
        Assert.That(Floats(outputs["sum"]), Is.EqualTo(new[] { 1.5f, 2.25f, 2f, 14f, 25f, 36f }));
        Assert.That(Longs(outputs["count_out"]), Is.EqualTo(new[] { 9007199254740993L }), "int64 beyond 2^53 survives the JSON round trip");
    }

    [Test]
    public async Task A_body_starting_with_a_utf8_byte_order_mark_is_read()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(PixelsRequest(RandomPixels(batch: 1, seed: 4), 1));
        using var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. json]);
        content.Headers.ContentType = new("application/json");

        using var response = await host.Client.PostAsync("/v2/models/classifier/infer", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Concurrent_requests_each_get_their_own_answer()
    {
        var batches = Enumerable.Range(0, 24).Select(i => RandomPixels(batch: 1 + i % 7, seed: 100 + i)).ToArray();
        var responses = await Task.WhenAll(batches.Select(p => host.PostAsync("/v2/models/classifier/infer", PixelsRequest(p, p.Length / 4))));

        for (int i = 0; i < batches.Length; i++)
        {
            Assert.That(responses[i].Status, Is.EqualTo(HttpStatusCode.OK), responses[i].Body.ToJsonString());
            var expected = RunDirectly(classifierV2, batches[i], [batches[i].Length / 4, 2, 2]);
            Assert.That(Floats(Outputs(responses[i].Body)["logits"]), Is.EqualTo(expected.Logits), $"request {i}");
        }
    }

    internal static object PixelsRequest(byte[] pixels, int batch) => new
    {
        inputs = new[] { new { name = "pixels", shape = new[] { batch, 2, 2 }, datatype = "UINT8", data = pixels.Select(p => (int)p).ToArray() } },
    };

    internal static byte[] RandomPixels(int batch, int seed)
    {
        var pixels = new byte[batch * 4];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    internal static Dictionary<string, JsonNode> Outputs(JsonNode body) =>
        body["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);

    private static float[] Floats(JsonNode output) =>
        output["data"]!.AsArray().Select(v => v!.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? float.Parse(v.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            : v.GetValue<float>()).ToArray();

    private static long[] Longs(JsonNode output) => output["data"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();

    /// <summary>The reference: the same model file in a fresh ONNX Runtime session, no server involved.</summary>
    private static (float[] Logits, float[] Probabilities, long[] ClassIndex) RunDirectly(string modelPath, byte[] pixels, long[] shape)
    {
        using var session = new InferenceSession(modelPath);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels.ToArray(), shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["pixels"], [input], ["logits", "probabilities", "class_index"]);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray(), results[2].GetTensorDataAsSpan<long>().ToArray());
    }
}
