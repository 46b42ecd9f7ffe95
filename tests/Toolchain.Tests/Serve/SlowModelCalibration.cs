using System.Diagnostics;
using System.Net;
using System.Text;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Finds how many iterations of <see cref="TestModels.Slow"/> take a given time on this machine, now, through the
/// server under test, so tests that need a request to be in flight for a while do not depend on CPU speed.
/// </summary>
public static class SlowModelCalibration
{
    public static async Task<long> IterationsFor(HttpClient client, string inferPath, TimeSpan target)
    {
        await TimeOne(client, inferPath, 10); // warm-up: the first run of a session pays one-off costs
        long iterations = 50;
        while (true)
        {
            var elapsed = await TimeOne(client, inferPath, iterations);
            if (elapsed >= TimeSpan.FromMilliseconds(200) || iterations >= 10_000_000)
                return Math.Max(1, (long)(iterations * (target / elapsed)));
            iterations *= 4;
        }
    }

    /// <summary>Runs one request of <paramref name="iterations"/> and returns how long it took; fails unless it succeeds.</summary>
    public static async Task<TimeSpan> TimeOne(HttpClient client, string inferPath, long iterations)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = new StringContent(TestModels.SlowRequest(iterations), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(inferPath, content);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return elapsed;
    }
}
