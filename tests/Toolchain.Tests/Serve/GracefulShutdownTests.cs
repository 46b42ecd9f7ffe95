using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// SIGTERM, as a service manager sends it, stops the server gracefully: it stops accepting connections at once,
/// lets the request in flight finish and answer normally, then exits 0.
/// </summary>
[TestFixture]
public sealed class GracefulShutdownTests
{
    private string root = null!;

    [SetUp]
    public void MakeRepository()
    {
        root = Path.Combine(Path.GetTempPath(), "toolchain-shutdown-tests", Guid.NewGuid().ToString("N"));
        TestModels.Write(root, "slow", 1, TestModels.Slow());
    }

    [TearDown]
    public void RemoveRepository() => Directory.Delete(root, recursive: true);

    [Test]
    public async Task Sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0()
    {
        using var server = await ServerProcess.StartAsync(root);
        using var client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
        var iterations = await SlowModelCalibration.IterationsFor(client, "/v2/models/slow/infer", TimeSpan.FromSeconds(3));

        TestContext.Out.WriteLine($"{iterations} iterations take about 3 s");
        using var content = new StringContent(TestModels.SlowRequest(iterations), Encoding.UTF8, "application/json");
        var inFlight = client.PostAsync("/v2/models/slow/infer", content);
        await ServeTestHost.WaitUntil(async () => await ServeTestHost.MetricAsync(client, "toolchain_inference_in_flight") == 1,
            TimeSpan.FromSeconds(10), "the long request holds a slot");
        server.Terminate();

        await ServeTestHost.WaitUntil(async () => !await Accepts(server.Url), TimeSpan.FromSeconds(5), "new connections are refused");
        Assert.That(inFlight.IsCompleted, Is.False, "the long request must still be running when new connections are refused");

        using var response = await inFlight;
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var checksum = JsonNode.Parse(body)!["outputs"]![0]!;
        Assert.That(checksum["name"]!.GetValue<string>(), Is.EqualTo("checksum"));
        Assert.That(float.IsFinite(checksum["data"]![0]!.GetValue<float>()), Is.True, body);

        Assert.That(await server.WaitForExitAsync(TimeSpan.FromSeconds(15)), Is.EqualTo(0), server.Output);
        Assert.That(server.Output, Does.Contain("Stopped"));
    }

    /// <summary>Whether a fresh connection to the server is accepted (and answered).</summary>
    private static async Task<bool> Accepts(Uri url)
    {
        using var fresh = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await fresh.GetAsync("/v2/health/live");
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }
}
