using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Requests that do not fit the model are refused with the right status and a message that names the
/// problem, before ONNX Runtime runs, and the server goes on answering valid requests.
/// </summary>
[TestFixture]
public sealed class BadRequestTests
{
    private const string Classifier = "/v2/models/classifier/infer";
    private const string Adder = "/v2/models/adder/infer";

    private ServeTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(root =>
        {
            TestModels.Write(root, "classifier", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8);
            TestModels.Write(root, "classifier", 3, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8);
            TestModels.Write(root, "adder", 1, TestModels.Adder());
            TestModels.Write(root, "pairs", 1, TestModels.Pairs());
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    private static string Pixels(string shape, string data, string datatype = "UINT8", string name = "pixels") =>
        $$"""{"inputs": [{"name": "{{name}}", "shape": {{shape}}, "datatype": "{{datatype}}", "data": {{data}}}]}""";

    private static readonly string Valid = Pixels("[1, 2, 2]", "[0, 64, 128, 255]");

    public static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, string path, string body, HttpStatusCode status, params string[] fragments) =>
            new TestCaseData(path, body, status, fragments).SetName(name);

        yield return Case("Malformed JSON", Classifier, """{"inputs": [ {"name": "pixels", """, HttpStatusCode.BadRequest, "malformed JSON");
        yield return Case("Empty body", Classifier, "", HttpStatusCode.BadRequest, "malformed JSON");
        yield return Case("Body is not an object", Classifier, "[1, 2]", HttpStatusCode.BadRequest, "must be a JSON object", "an array");
        yield return Case("No inputs array", Classifier, """{"id": "x"}""", HttpStatusCode.BadRequest, "'inputs' array");
        yield return Case("Input without shape", Classifier, """{"inputs": [{"name": "pixels", "datatype": "UINT8", "data": [1]}]}""", HttpStatusCode.BadRequest, "input 'pixels'", "'shape'");
        yield return Case("Negative dimension", Classifier, Pixels("[-1, 2, 2]", "[0, 0, 0, 0]"), HttpStatusCode.BadRequest, "input 'pixels'", "non-negative");
        yield return Case("Unknown datatype", Classifier, Pixels("[1, 2, 2]", "[0, 0, 0, 0]", datatype: "FLOAT"), HttpStatusCode.BadRequest, "unknown datatype 'FLOAT'");
        yield return Case("Unknown input", Classifier, Pixels("[1, 2, 2]", "[0, 0, 0, 0]", name: "pixelz"), HttpStatusCode.BadRequest, "unknown input 'pixelz'", "pixels UINT8 [N,2,2]");
        yield return Case("Missing input", Adder, """{"inputs": [{"name": "a", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}""", HttpStatusCode.BadRequest, "missing inputs", "'b' (FP32 [N,3])", "'count'");
        yield return Case("Input given twice", Adder, """{"inputs": [{"name": "count", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "count", "shape": [1], "datatype": "INT64", "data": [1]}]}""", HttpStatusCode.BadRequest, "'count' is given more than once");
        yield return Case("Wrong shape", Classifier, Pixels("[1, 4]", "[0, 0, 0, 0]"), HttpStatusCode.BadRequest, "input 'pixels': expected shape [N,2,2], got [1,4]");
        yield return Case("Wrong rank", Classifier, Pixels("[2, 2]", "[0, 0, 0, 0]"), HttpStatusCode.BadRequest, "expected shape [N,2,2], got [2,2]");
        yield return Case("Wrong datatype", Classifier, Pixels("[1, 2, 2]", "[0, 0, 0, 0]", datatype: "FP32"), HttpStatusCode.BadRequest, "input 'pixels': expected datatype UINT8, got FP32");
        yield return Case("Too few values", Classifier, Pixels("[2, 2, 2]", "[1, 2, 3, 4, 5, 6, 7]"), HttpStatusCode.BadRequest, "input 'pixels': shape [2,2,2] needs 8 values, got 7");
        yield return Case("Too many values", Classifier, Pixels("[1, 2, 2]", "[1, 2, 3, 4, 5]"), HttpStatusCode.BadRequest, "needs 4 values, got 5");
        yield return Case("Value above UINT8", Classifier, Pixels("[1, 2, 2]", "[0, 1, 2, 256]"), HttpStatusCode.BadRequest, "value 256 at index 3 is out of range for UINT8 [0, 255]");
        yield return Case("Negative UINT8", Classifier, Pixels("[1, 2, 2]", "[-1, 1, 2, 3]"), HttpStatusCode.BadRequest, "value -1 at index 0 is out of range for UINT8");
        yield return Case("Fraction for UINT8", Classifier, Pixels("[1, 2, 2]", "[0, 1.5, 2, 3]"), HttpStatusCode.BadRequest, "value 1.5 at index 1 is not an integer (UINT8)");
        yield return Case("String for UINT8", Classifier, Pixels("[1, 2, 2]", """[0, 1, "2", 3]"""), HttpStatusCode.BadRequest, "value \"2\" at index 2 is not a number");
        yield return Case("FP32 overflow", Adder, """{"inputs": [{"name": "a", "shape": [1, 3], "datatype": "FP32", "data": [1, 1e39, 3]}, {"name": "b", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}, {"name": "count", "shape": [1], "datatype": "INT64", "data": [1]}]}""", HttpStatusCode.BadRequest, "input 'a': value 1e39 at index 1 is out of range for FP32");
        yield return Case("Batch over max_batch_size", Classifier, Pixels("[9, 2, 2]", "[" + string.Join(",", Enumerable.Repeat(0, 36)) + "]"), HttpStatusCode.BadRequest, "batch size 9 exceeds the model's max_batch_size 8");
        yield return Case("Inputs that disagree with each other", Adder, """{"inputs": [{"name": "a", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}, {"name": "b", "shape": [3, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, {"name": "count", "shape": [1], "datatype": "INT64", "data": [1]}]}""", HttpStatusCode.BadRequest, "input 'b': dimension N is 3 here but 2 in input 'a'");
        yield return Case("Unknown output", Classifier, """{"inputs": [{"name": "pixels", "shape": [1, 2, 2], "datatype": "UINT8", "data": [0, 0, 0, 0]}], "outputs": [{"name": "scores"}]}""", HttpStatusCode.BadRequest, "unknown output 'scores'", "logits FP32 [N,3]");
        yield return Case("Bad classification count", Classifier, """{"inputs": [{"name": "pixels", "shape": [1, 2, 2], "datatype": "UINT8", "data": [0, 0, 0, 0]}], "outputs": [{"name": "logits", "parameters": {"classification": 0}}]}""", HttpStatusCode.BadRequest, "'classification' must be a positive integer");
        yield return Case("Unknown model", "/v2/models/nosuch/infer", Valid, HttpStatusCode.NotFound, "unknown model 'nosuch'", "adder, classifier, pairs");
        yield return Case("Unknown version", "/v2/models/classifier/versions/2/infer", Valid, HttpStatusCode.NotFound, "unknown version '2' of model 'classifier'", "available versions: 1, 3");
        yield return Case("Non-numeric version", "/v2/models/classifier/versions/latest/infer", Valid, HttpStatusCode.NotFound, "unknown version 'latest'");
        yield return Case("Unknown route", "/v2/models/classifier/predict", Valid, HttpStatusCode.NotFound, "no route for POST /v2/models/classifier/predict");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Bad_request_is_refused_and_the_next_one_succeeds(string path, string body, HttpStatusCode status, string[] fragments)
    {
        var (actualStatus, error) = await host.PostAsync(path, body);

        Assert.That(actualStatus, Is.EqualTo(status), error.ToJsonString());
        var message = error["error"]?.GetValue<string>();
        Assert.That(message, Is.Not.Null, $"error body must be {{\"error\": ...}}, got {error.ToJsonString()}");
        foreach (var fragment in fragments)
            Assert.That(message, Does.Contain(fragment));

        var (nextStatus, next) = await host.PostAsync(Classifier, Valid);
        Assert.That(nextStatus, Is.EqualTo(HttpStatusCode.OK), next.ToJsonString());
        Assert.That(InferRoundTripTests.Outputs(next)["class_index"]["data"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_failure_inside_the_model_is_a_500_with_its_message_and_the_server_carries_on()
    {
        // Fits the declared shape [N], but the graph reshapes to [N/2, 2], which an odd N cannot be.
        var (status, error) = await host.PostAsync("/v2/models/pairs/infer",
            """{"inputs": [{"name": "x", "shape": [3], "datatype": "FP32", "data": [1, 2, 3]}]}""");

        Assert.That(status, Is.EqualTo(HttpStatusCode.InternalServerError), error.ToJsonString());
        Assert.That(error["error"]!.GetValue<string>(), Does.Contain("Reshape"));

        var (nextStatus, next) = await host.PostAsync("/v2/models/pairs/infer",
            """{"inputs": [{"name": "x", "shape": [4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""");
        Assert.That(nextStatus, Is.EqualTo(HttpStatusCode.OK), next.ToJsonString());
        Assert.That(InferRoundTripTests.Outputs(next)["y"]["shape"]!.AsArray().Select(d => d!.GetValue<long>()), Is.EqualTo(new long[] { 2, 2 }));
    }

    [Test]
    public async Task Invalid_utf8_inside_a_string_is_400_naming_its_offset()
    {
        var text = Pixels("[1, 2, 2]", "[0, 0, 0, 0]");
        int offset = Encoding.UTF8.GetByteCount(text[..text.IndexOf("xels", StringComparison.Ordinal)]);
        var body = Encoding.UTF8.GetBytes(text).ToList();
        body.Insert(offset, 0xFF);
        using var content = new ByteArrayContent([.. body]);
        content.Headers.ContentType = new("application/json");

        using var response = await host.Client.PostAsync(Classifier, content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>(),
            Is.EqualTo($"request body is not valid UTF-8: invalid byte sequence at offset {offset}"));
    }

    [Test]
    public async Task Unknown_model_metadata_and_readiness_are_404()
    {
        var (status, body) = await host.GetAsync("/v2/models/nosuch");
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body["error"]!.GetValue<string>(), Does.Contain("unknown model 'nosuch'"));

        (status, body) = await host.GetAsync("/v2/models/classifier/versions/7/ready");
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body["error"]!.GetValue<string>(), Does.Contain("unknown version '7'"));
    }
}
