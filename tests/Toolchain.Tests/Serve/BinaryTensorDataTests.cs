using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Triton's binary tensor data extension over a real socket: a JSON header of Inference-Header-Content-Length
/// bytes, then raw little-endian tensors, in requests and responses, mixed freely with JSON data; sizes that do
/// not add up are refused with 400 naming the input. Answers equal the JSON answers for the same tensors.
/// </summary>
[TestFixture]
public sealed class BinaryTensorDataTests
{
    private const string HeaderLength = "Inference-Header-Content-Length";
    private static readonly byte[] Pixels = [0, 255, 17, 80, 200, 3, 99, 128, 1, 2, 250, 60];

    private ServeTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(root =>
        {
            TestModels.Write(root, "classifier", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8);
            TestModels.Write(root, "batched", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8,
                dynamicBatching: "max_queue_delay_microseconds: 2000");
            TestModels.Write(root, "adder", 1, TestModels.Adder());
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task The_server_advertises_the_extension()
    {
        var (_, body) = await host.GetAsync("/v2");

        Assert.That(body["extensions"]!.AsArray().Select(e => e!.GetValue<string>()), Does.Contain("binary_tensor_data"));
    }

    [TestCase("classifier")]
    [TestCase("batched")]
    public async Task Binary_input_and_binary_outputs_give_what_json_gives(string model)
    {
        var expected = await JsonAnswer(model);

        var header = """{"inputs":[{"name":"pixels","shape":[3,2,2],"datatype":"UINT8","parameters":{"binary_data_size":12}}],"parameters":{"binary_data_output":true}}""";
        var (status, json, outputs) = await PostBinary($"/v2/models/{model}/infer", header, Pixels);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), json.ToJsonString());
        Assert.That(json["outputs"]!.AsArray().Select(o => o!["parameters"]!["binary_data_size"]!.GetValue<int>()), Is.EqualTo(new[] { 36, 36, 24 }));
        Assert.That(MemoryMarshal.Cast<byte, float>(outputs["logits"]).ToArray(), Is.EqualTo(expected["logits"]!.AsArray().Select(v => v!.GetValue<float>())));
        Assert.That(MemoryMarshal.Cast<byte, float>(outputs["probabilities"]).ToArray(), Is.EqualTo(expected["probabilities"]!.AsArray().Select(v => v!.GetValue<float>())));
        Assert.That(MemoryMarshal.Cast<byte, long>(outputs["class_index"]).ToArray(), Is.EqualTo(expected["class_index"]!.AsArray().Select(v => v!.GetValue<long>())));
    }

    [Test]
    public async Task Json_input_with_one_output_as_binary_and_one_as_json()
    {
        var expected = await JsonAnswer("classifier");
        var header = $$"""{"inputs":[{"name":"pixels","shape":[3,2,2],"datatype":"UINT8","data":[{{string.Join(",", Pixels)}}]}],""" +
            """ "outputs":[{"name":"logits","parameters":{"binary_data":true}},{"name":"class_index"}]}""";

        var (status, json, outputs) = await PostBinary("/v2/models/classifier/infer", header, []);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), json.ToJsonString());
        Assert.That(MemoryMarshal.Cast<byte, float>(outputs["logits"]).ToArray(), Is.EqualTo(expected["logits"]!.AsArray().Select(v => v!.GetValue<float>())));
        Assert.That(json["outputs"]![1]!["data"]!.ToJsonString(), Is.EqualTo(expected["class_index"]!.ToJsonString()));
    }

    [Test]
    public async Task Binary_input_with_json_output_answers_plain_json()
    {
        var expected = await JsonAnswer("classifier");
        var header = """{"inputs":[{"name":"pixels","shape":[3,2,2],"datatype":"UINT8","parameters":{"binary_data_size":12}}]}""";

        using var response = await Send("/v2/models/classifier/infer", header, Pixels);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
        Assert.That(JsonNode.Parse(text)!["outputs"]![0]!["data"]!.ToJsonString(), Is.EqualTo(expected["logits"]!.ToJsonString()));
    }

    [Test]
    public async Task Binary_and_json_inputs_mix_in_one_request()
    {
        float[] a = [1, 2, 3, 4, 5, 6], b = [0.5f, 0.25f, 0, -1, -2, 100];
        var data = MemoryMarshal.AsBytes(a.AsSpan()).ToArray().Concat(MemoryMarshal.AsBytes(b.AsSpan()).ToArray()).ToArray();
        var header = """{"inputs":[{"name":"a","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}},""" +
            """{"name":"count","shape":[1],"datatype":"INT64","data":[7]},""" +
            """{"name":"b","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}}],"outputs":[{"name":"sum","parameters":{"binary_data":true}}]}""";

        var (status, json, outputs) = await PostBinary("/v2/models/adder/infer", header, data);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), json.ToJsonString());
        Assert.That(MemoryMarshal.Cast<byte, float>(outputs["sum"]).ToArray(), Is.EqualTo(a.Zip(b, (x, y) => x + y)));
    }

    private static IEnumerable<TestCaseData> SizeErrors()
    {
        TestCaseData Case(string name, string header, int bytes, string message) => new TestCaseData(header, bytes, message).SetName(name);
        yield return Case("Size that does not fit the shape",
            """{"inputs":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","parameters":{"binary_data_size":3}}]}""", 3,
            "input 'pixels': binary_data_size is 3 bytes, but shape [1,2,2] of UINT8 needs 4");
        yield return Case("Size past the end of the body",
            """{"inputs":[{"name":"pixels","shape":[2,2,2],"datatype":"UINT8","parameters":{"binary_data_size":8}}]}""", 4,
            "input 'pixels': binary_data_size 8 runs past the end of the body (4 bytes of binary data are left)");
        yield return Case("Bytes no input claims",
            """{"inputs":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","parameters":{"binary_data_size":4}}]}""", 6,
            "the body has 2 bytes of binary data after the JSON header that no input's binary_data_size claims");
        yield return Case("Negative size",
            """{"inputs":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","parameters":{"binary_data_size":-4}}]}""", 4,
            "input 'pixels': binary_data_size must be a non-negative integer, got -4");
        yield return Case("Data and a size at once",
            """{"inputs":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","data":[1,2,3,4],"parameters":{"binary_data_size":4}}]}""", 4,
            "input 'pixels' has both 'data' and binary_data_size");
    }

    [TestCaseSource(nameof(SizeErrors))]
    public async Task Sizes_that_do_not_add_up_are_refused_naming_the_input(string header, int bytes, string message)
    {
        using var response = await Send("/v2/models/classifier/infer", header, new byte[bytes]);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(JsonNode.Parse(text)!["error"]!.GetValue<string>(), Does.Contain(message));
    }

    [Test]
    public async Task A_header_length_beyond_the_body_is_refused()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"inputs":[]}"""));
        content.Headers.TryAddWithoutValidation(HeaderLength, "500");
        using var response = await host.Client.PostAsync("/v2/models/classifier/infer", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Inference-Header-Content-Length is 500, but the body holds only 13 bytes"));
    }

    [Test]
    public async Task A_binary_size_without_the_header_is_refused()
    {
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer",
            """{"inputs":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","parameters":{"binary_data_size":4}}]}""");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body["error"]!.GetValue<string>(), Does.Contain("input 'pixels': binary_data_size needs the Inference-Header-Content-Length header"));
    }

    [Test]
    public async Task A_non_finite_binary_float_is_refused_like_a_json_one()
    {
        float[] a = [1, float.NaN, 3], b = [0, 0, 0];
        var data = MemoryMarshal.AsBytes(a.AsSpan()).ToArray().Concat(MemoryMarshal.AsBytes(b.AsSpan()).ToArray()).ToArray();
        var header = """{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}},""" +
            """{"name":"b","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}},{"name":"count","shape":[1],"datatype":"INT64","data":[1]}]}""";

        using var response = await Send("/v2/models/adder/infer", header, data);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("input 'a': value NaN at index 1 is not finite"));
    }

    private async Task<JsonObject> JsonAnswer(string model)
    {
        var (status, body) = await host.PostAsync($"/v2/models/{model}/infer",
            $$"""{"inputs":[{"name":"pixels","shape":[3,2,2],"datatype":"UINT8","data":[{{string.Join(",", Pixels)}}]}]}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        var result = new JsonObject();
        foreach (var output in body["outputs"]!.AsArray())
            result[output!["name"]!.GetValue<string>()] = output["data"]!.DeepClone();
        return result;
    }

    private async Task<HttpResponseMessage> Send(string path, string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var content = new ByteArrayContent([.. json, .. data]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.TryAddWithoutValidation(HeaderLength, json.Length.ToString());
        return await host.Client.PostAsync(path, content);
    }

    /// <summary>Posts a binary request; gives the response's JSON header and each binary output's bytes by name.</summary>
    private async Task<(HttpStatusCode Status, JsonNode Json, Dictionary<string, byte[]> Outputs)> PostBinary(string path, string header, byte[] data)
    {
        using var response = await Send(path, header, data);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (!response.Headers.TryGetValues(HeaderLength, out var values))
            return (response.StatusCode, JsonNode.Parse(body)!, []);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/octet-stream"));
        int jsonLength = int.Parse(values.Single());
        var json = JsonNode.Parse(body.AsSpan(0, jsonLength))!;
        var outputs = new Dictionary<string, byte[]>();
        int offset = jsonLength;
        foreach (var output in json["outputs"]!.AsArray())
        {
            if (output!["parameters"]?["binary_data_size"] is not { } size) continue;
            outputs[output["name"]!.GetValue<string>()] = body[offset..(offset + size.GetValue<int>())];
            offset += size.GetValue<int>();
        }
        Assert.That(offset, Is.EqualTo(body.Length), "binary outputs fill the rest of the body exactly");
        return (response.StatusCode, json, outputs);
    }
}
