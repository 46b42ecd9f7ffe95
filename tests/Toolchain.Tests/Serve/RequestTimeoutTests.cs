using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// --request-timeout bounds an infer request: a model run that outlasts it is terminated and answered 504, a body
/// that does not arrive in time 408, each with a JSON error; the slot is freed and the server carries on.
/// </summary>
[TestFixture]
public sealed class RequestTimeoutTests
{
    private const string Slow = "/v2/models/slow/infer";

    private ServeTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        host = await ServeTestHost.StartAsync(
            root => TestModels.Write(root, "slow", 1, TestModels.Slow()),
            o => o with { RequestTimeout = TimeSpan.FromMilliseconds(500) });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task A_run_past_the_timeout_is_terminated_and_answered_504()
    {
        var started = Stopwatch.GetTimestamp();
        var (status, error) = await host.PostAsync(Slow, TestModels.SlowRequest(1_000_000_000));
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.That(status, Is.EqualTo(HttpStatusCode.GatewayTimeout), error.ToJsonString());
        Assert.That(error["error"]!.GetValue<string>(), Is.EqualTo("model 'slow' version 1 did not finish within 0.5 s (--request-timeout); the run was stopped"));
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "a billion iterations would take hours: the run must have been terminated");
        Assert.That(await host.MetricAsync("toolchain_inference_in_flight"), Is.EqualTo(0));
        var (nextStatus, next) = await host.PostAsync(Slow, TestModels.SlowRequest(1));
        Assert.That(nextStatus, Is.EqualTo(HttpStatusCode.OK), next.ToJsonString());
    }

    [Test]
    public async Task A_body_that_does_not_arrive_in_time_is_408()
    {
        var body = Encoding.UTF8.GetBytes(TestModels.SlowRequest(1));
        var request = RawHttp.Request("POST", Slow, body[..10], contentLength: body.Length);

        var reply = await RawHttp.SendAsync(host.Url, request, closeSending: false, TimeSpan.FromSeconds(10));

        Assert.That(reply, Is.Not.Null);
        Assert.That(reply!.Status, Is.EqualTo(408), reply.Body);
        Assert.That(JsonNode.Parse(reply.Body)!["error"]!.GetValue<string>(), Is.EqualTo("the request body did not arrive within 0.5 s (--request-timeout)"));
    }
}
