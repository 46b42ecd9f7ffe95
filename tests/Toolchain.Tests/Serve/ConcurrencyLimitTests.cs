using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// At most --max-concurrency infer requests run and --max-queue wait, each at most --queue-timeout: a request that
/// finds the queue full, or waits too long, is answered 503 with Retry-After and a JSON error. A client that goes
/// away, mid-run or mid-body, frees its slot at once.
/// </summary>
[TestFixture]
public sealed class ConcurrencyLimitTests
{
    private const string Slow = "/v2/models/slow/infer";

    private ServeTestHost host = null!;

    [SetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(
            root => TestModels.Write(root, "slow", 1, TestModels.Slow()),
            // Long enough that the queued request is still waiting when the next one arrives on a loaded CI machine.
            o => o with { MaxConcurrency = 1, MaxQueue = 1, QueueTimeout = TimeSpan.FromSeconds(5) });
    }

    [TearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task Past_the_queue_a_request_is_turned_away_with_503_and_retry_after()
    {
        using var stopRunning = new CancellationTokenSource();
        var running = Post(1_000_000_000, stopRunning.Token);
        await WaitForMetric("toolchain_inference_in_flight", 1);
        var queued = Post(1, CancellationToken.None);
        await WaitForMetric("toolchain_inference_queued", 1);

        using var full = await Post(1, CancellationToken.None);
        using var waitedTooLong = await queued;

        await AssertBusy(full, "the server is busy: its queue is full (1 running, 1 waiting; --max-concurrency, --max-queue); retry shortly");
        await AssertBusy(waitedTooLong, "the server is busy: no slot came free within 5 s (--queue-timeout); retry shortly");
        Assert.That(running.IsCompleted, Is.False);

        await stopRunning.CancelAsync();
        Assert.That(async () => await running, Throws.InstanceOf<OperationCanceledException>());
        await WaitForMetric("toolchain_inference_in_flight", 0);
        using var next = await Post(1, CancellationToken.None);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the abandoned run was stopped and its slot freed");
    }

    [Test]
    public async Task A_client_that_hangs_up_mid_body_frees_its_slot_at_once()
    {
        var body = Encoding.UTF8.GetBytes(TestModels.SlowRequest(1));
        var request = RawHttp.Request("POST", Slow, body[..10], contentLength: body.Length);

        var reply = await RawHttp.SendAsync(host.Url, request, closeSending: true, TimeSpan.FromSeconds(10));

        Assert.That(reply, Is.Null, "a client that has hung up gets no answer");
        await WaitForMetric("toolchain_inference_in_flight", 0); // long before the 30 s request timeout
        using var next = await Post(1, CancellationToken.None);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the only slot is free again");
    }

    private static async Task AssertBusy(HttpResponseMessage response, string message)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>(), Is.EqualTo(message));
    }

    private async Task<HttpResponseMessage> Post(long iterations, CancellationToken cancel)
    {
        using var content = new StringContent(TestModels.SlowRequest(iterations), Encoding.UTF8, "application/json");
        return await host.Client.PostAsync(Slow, content, cancel);
    }

    private Task WaitForMetric(string sample, double value) =>
        ServeTestHost.WaitUntil(async () => await host.MetricAsync(sample) == value, TimeSpan.FromSeconds(10), $"{sample} is {value}");
}
