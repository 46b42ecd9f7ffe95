using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// The dynamic batcher joins concurrent requests into one run and gives each its own rows back, exactly as a run
/// of its own would; it honours preferred sizes and the queue delay, and a request that leaves or fails
/// validation does not disturb the others. "plain" is the same classifier without a dynamic_batching block.
/// </summary>
[TestFixture]
public sealed class DynamicBatchingTests
{
    private static readonly TimeSpan LongDelay = TimeSpan.FromSeconds(2);

    private ServeTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(root =>
        {
            TestModels.Write(root, "plain", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8);
            // Preferred size 4 sends four single-row requests at once; fewer wait out the delay.
            TestModels.Write(root, "four", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8,
                dynamicBatching: $"max_queue_delay_microseconds: {LongDelay.TotalMicroseconds} preferred_batch_size: [ 4 ]");
            TestModels.Write(root, "pairs", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8,
                dynamicBatching: $"max_queue_delay_microseconds: {LongDelay.TotalMicroseconds} preferred_batch_size: 2");
            TestModels.Write(root, "eager", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8,
                dynamicBatching: "max_queue_delay_microseconds: 0");
            // Its output has half as many rows as its input: batching it is a configuration mistake the run reports.
            TestModels.Write(root, "halves", 1, TestModels.Pairs(), maxBatchSize: 8, dynamicBatching: "max_queue_delay_microseconds: 0");
            TestModels.Write(root, "waits", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8,
                dynamicBatching: "max_queue_delay_microseconds: 300000 preferred_batch_size: [ 8 ]");
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task Concurrent_requests_run_as_one_batch_and_each_gets_what_a_run_of_its_own_gives()
    {
        var images = Enumerable.Range(0, 4).Select(i => Image(seed: i)).ToArray();

        var batched = await Task.WhenAll(images.Select(image => host.PostAsync("/v2/models/four/infer", Request(image))));
        var alone = await Task.WhenAll(images.Select(image => host.PostAsync("/v2/models/plain/infer", Request(image))));

        for (int i = 0; i < images.Length; i++)
        {
            Assert.That(batched[i].Status, Is.EqualTo(HttpStatusCode.OK), batched[i].Body.ToJsonString());
            Assert.That(batched[i].Body["outputs"]!.ToJsonString(), Is.EqualTo(alone[i].Body["outputs"]!.ToJsonString()), $"request {i}");
        }
        Assert.That(await host.MetricAsync(Sample("toolchain_batch_size_count", "four")), Is.EqualTo(1), "one batch");
        Assert.That(await host.MetricAsync(Sample("toolchain_batch_size_sum", "four")), Is.EqualTo(4), "of four rows");
    }

    [Test]
    public async Task A_batch_that_reaches_a_preferred_size_goes_without_waiting_out_the_delay()
    {
        var clock = Stopwatch.StartNew();

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => host.PostAsync("/v2/models/pairs/infer", Request(Image(seed: i)))));

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(clock.Elapsed, Is.LessThan(LongDelay / 2));
        Assert.That(await host.MetricAsync(Sample("toolchain_batch_size_sum", "pairs")), Is.EqualTo(2));
    }

    [Test]
    public async Task A_lone_request_waits_out_the_queue_delay_and_no_longer()
    {
        var clock = Stopwatch.StartNew();

        var (status, _) = await host.PostAsync("/v2/models/waits/infer", Request(Image(seed: 7)));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290)).And.LessThan(TimeSpan.FromSeconds(1.5)));
    }

    [Test]
    public async Task Without_a_delay_a_lone_request_runs_at_once()
    {
        await host.PostAsync("/v2/models/eager/infer", Request(Image(seed: 1)));
        var clock = Stopwatch.StartNew();

        var (status, _) = await host.PostAsync("/v2/models/eager/infer", Request(Image(seed: 2)));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(200)));
    }

    [Test]
    public async Task A_request_cancelled_while_queued_leaves_the_others_their_batch()
    {
        var image = Image(seed: 3);
        using (var leaving = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            using var content = new StringContent(Request(image), Encoding.UTF8, "application/json");
            Assert.That(async () => await host.Client.PostAsync("/v2/models/pairs/infer", content, leaving.Token), Throws.InstanceOf<OperationCanceledException>());
        }
        double batchesBefore = await host.MetricAsync(Sample("toolchain_batch_size_count", "pairs"));

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => host.PostAsync("/v2/models/pairs/infer", Request(Image(seed: 10 + i)))));
        var alone = await host.PostAsync("/v2/models/plain/infer", Request(Image(seed: 10)));

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(answers[0].Body["outputs"]!.ToJsonString(), Is.EqualTo(alone.Body["outputs"]!.ToJsonString()));
        Assert.That(await host.MetricAsync(Sample("toolchain_batch_size_count", "pairs")), Is.EqualTo(batchesBefore + 1), "the two ran together");
    }

    [Test]
    public async Task An_invalid_request_is_refused_before_it_queues()
    {
        var clock = Stopwatch.StartNew();

        var (status, body) = await host.PostAsync("/v2/models/waits/infer",
            """{"inputs": [{"name": "pixels", "shape": [1, 2, 2], "datatype": "UINT8", "data": [1, 2, 3, 256]}]}""");

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body["error"]!.GetValue<string>(), Does.Contain("input 'pixels': value 256 at index 3 is out of range"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(250)));
    }

    [Test]
    public async Task A_request_whose_deadline_passes_in_the_queue_gets_504_and_the_batcher_goes_on()
    {
        await using var shortDeadline = await ServeTestHost.StartAsync(
            root => TestModels.Write(root, "slow_to_fill", 1, TestModels.Classifier(), maxBatchSize: 8,
                dynamicBatching: "max_queue_delay_microseconds: 5000000 preferred_batch_size: [ 2 ]"),
            options => options with { RequestTimeout = TimeSpan.FromMilliseconds(300) });

        var (status, body) = await shortDeadline.PostAsync("/v2/models/slow_to_fill/infer", Request(Image(seed: 1)));
        var after = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => shortDeadline.PostAsync("/v2/models/slow_to_fill/infer", Request(Image(seed: i)))));

        Assert.That(status, Is.EqualTo(HttpStatusCode.GatewayTimeout), body.ToJsonString());
        Assert.That(after.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_batch_the_model_cannot_split_fails_with_500_and_the_batcher_keeps_serving()
    {
        var (status, body) = await host.PostAsync("/v2/models/halves/infer",
            """{"inputs": [{"name": "x", "shape": [4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}""");
        var (again, _) = await host.PostAsync("/v2/models/halves/infer",
            """{"inputs": [{"name": "x", "shape": [2], "datatype": "FP32", "data": [1, 2]}]}""");

        Assert.That(status, Is.EqualTo(HttpStatusCode.InternalServerError), body.ToJsonString());
        Assert.That(body["error"]!.GetValue<string>(), Does.Contain("output 'y' has shape [2,2], not a first dimension of 4 to split the batch along"));
        Assert.That(again, Is.EqualTo(HttpStatusCode.InternalServerError), "the scheduler survived the failure and ran the next batch");
    }

    private static string Sample(string name, string model) => $"{name}{{model=\"{model}\",version=\"1\"}}";

    private static int[] Image(int seed) => new Random(seed).GetItems(Enumerable.Range(0, 256).ToArray(), 4);

    private static string Request(int[] image) =>
        new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "pixels",
                ["shape"] = new JsonArray(1, 2, 2),
                ["datatype"] = "UINT8",
                ["data"] = new JsonArray(image.Select(v => (JsonNode)v).ToArray()),
            }),
        }.ToJsonString();
}
