using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Ten thousand malformed requests (<see cref="MalformedRequests"/>) from eight concurrent clients over loopback, with
/// a valid request after every nine: the server never goes down, every malformed request gets exactly its error
/// status with a JSON error body, every valid request gets the right answer, and memory stays bounded. Run twice,
/// each after a warm-up of five thousand requests that fills the pools and caches: against the real executable as
/// a child process (its working set within 16 MiB; it runs with the workstation collector so that figure does not
/// scale with the core count), and in-process, where a full collection measures the live managed heap exactly
/// (within 6 MiB, about 600 bytes a request; keeping every request body alive adds about 20 MiB to either).
/// </summary>
[TestFixture]
public sealed class FuzzTests
{
    private const int Seed = 8;
    private const int Malformed = 10_000;
    private const int WarmUp = 5_000;
    private const int Clients = 8;

    private static readonly string[] Limits =
    [
        "--max-request-bytes", MalformedRequests.BodyLimit.ToString(), "--max-batch-size", MalformedRequests.BatchLimit.ToString(),
        "--max-concurrency", "2", "--max-queue", "64", "--queue-timeout", "60", "--request-timeout", "60",
    ];

    private string root = null!;

    [SetUp]
    public void MakeRepository()
    {
        root = Path.Combine(Path.GetTempPath(), "toolchain-fuzz-tests", Guid.NewGuid().ToString("N"));
        Populate(root);
    }

    [TearDown]
    public void RemoveRepository() => Directory.Delete(root, recursive: true);

    [Test]
    [CancelAfter(180_000)]
    public async Task The_server_process_refuses_every_malformed_request_serves_every_valid_one_and_keeps_its_working_set(CancellationToken cancel)
    {
        using var server = await ServerProcess.StartAsync(root, new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" }, Limits);
        using var client = Client(server.Url);

        var (run, before, after) = await Fuzz(client, () => Task.FromResult(server.WorkingSetBytes), cancel);

        Report(run, "server working set", before, after);
        Assert.That(server.HasExited, Is.False, server.Output);
        Assert.That(run.Failures, Is.Empty, string.Join("\n", run.Failures.Take(20)));
        Assert.That(after - before, Is.LessThan(16L << 20), $"working set grew from {before:N0} to {after:N0} bytes");
        using var live = await client.GetAsync("/v2/health/live", cancel);
        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task In_process_the_live_managed_heap_does_not_grow(CancellationToken cancel)
    {
        await using var host = await ServeTestHost.StartAsync(Populate, o => o with
        {
            MaxRequestBodyBytes = MalformedRequests.BodyLimit, MaxBatchSize = MalformedRequests.BatchLimit, MaxConcurrency = 2,
            MaxQueue = 64, QueueTimeout = TimeSpan.FromSeconds(60), RequestTimeout = TimeSpan.FromSeconds(60),
        });
        using var client = Client(host.Url);

        var (run, before, after) = await Fuzz(client, () => Task.FromResult(LiveHeap()), cancel);

        Report(run, "live managed heap", before, after);
        Assert.That(run.Failures, Is.Empty, string.Join("\n", run.Failures.Take(20)));
        Assert.That(after - before, Is.LessThan(6L << 20), $"live heap grew from {before:N0} to {after:N0} bytes");
    }

    private static void Populate(string repository)
    {
        TestModels.Write(repository, "classifier", 1, TestModels.Classifier(), TestModels.ClassifierLabels, maxBatchSize: 8);
        TestModels.Write(repository, "adder", 1, TestModels.Adder());
        TestModels.Write(repository, "brightest", 1, TestModels.BrightestPixel());
    }

    private static HttpClient Client(Uri url) => new(new SocketsHttpHandler { MaxConnectionsPerServer = Clients * 2 })
    {
        BaseAddress = url,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Warm-up, then memory, then the ten thousand, then memory again.</summary>
    private static async Task<(Outcome Run, long Before, long After)> Fuzz(HttpClient client, Func<Task<long>> memory, CancellationToken cancel)
    {
        var warmUp = await Run(client, Seed, WarmUp, cancel); // the first half of the run to come, so every path is warm
        Assert.That(warmUp.Failures, Is.Empty, string.Join("\n", warmUp.Failures.Take(20)));
        var before = await memory();
        var run = await Run(client, Seed, Malformed, cancel);
        var after = await memory();
        Assert.That(run.Kinds.Values.Sum(), Is.EqualTo(Malformed));
        return (run, before, after);
    }

    private static long LiveHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void Report(Outcome run, string measure, long before, long after) =>
        TestContext.Out.WriteLine(
            $"{Malformed:N0} malformed and {run.Valid:N0} valid requests by {Clients} clients in {run.Elapsed.TotalSeconds:0.0} s; {run.Failures.Count} failures; " +
            $"{measure} {before / 1048576.0:0.0} MiB before, {after / 1048576.0:0.0} MiB after\n" +
            string.Join("\n", run.Kinds.OrderBy(k => k.Key).Select(k => $"  {k.Key,-36} {k.Value,6:N0}")));

    private sealed record Outcome(ConcurrentQueue<string> Failures, ConcurrentDictionary<string, int> Kinds, int Valid, TimeSpan Elapsed);

    /// <summary>Sends <paramref name="count"/> malformed requests, and a valid one after every nine, from <see cref="Clients"/> clients.</summary>
    private static async Task<Outcome> Run(HttpClient client, int seed, int count, CancellationToken cancel)
    {
        var failures = new ConcurrentQueue<string>();
        var kinds = new ConcurrentDictionary<string, int>();
        int next = -1, valid = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && !cancel.IsCancellationRequested)
            {
                var request = MalformedRequests.Make(seed, i);
                kinds.AddOrUpdate(request.Kind, 1, (_, n) => n + 1);
                if (await Refused(client, request, cancel) is { } problem)
                    failures.Enqueue($"#{i} {request.Kind} {request.Method} {request.Path}: {problem}");
                if (i % 9 == 8)
                {
                    Interlocked.Increment(ref valid);
                    if (await Served(client, new Random(HashCode.Combine(seed, i, "valid")), cancel) is { } wrong)
                        failures.Enqueue($"#{i} valid request: {wrong}");
                }
            }
        }, cancel)));
        return new Outcome(failures, kinds, valid, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Null when the request got one of its statuses with a {"error": "..."} body; else what was wrong.</summary>
    private static async Task<string?> Refused(HttpClient client, MalformedRequests.Case request, CancellationToken cancel)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path);
        if (request.Method != "GET")
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }
        try
        {
            using var response = await client.SendAsync(message, cancel);
            var body = await response.Content.ReadAsStringAsync(cancel);
            if (!request.Statuses.Contains((int)response.StatusCode))
                return $"HTTP {(int)response.StatusCode}, expected {string.Join(" or ", request.Statuses)}: {Shorten(body)}";
            try
            {
                return JsonNode.Parse(body) is JsonObject o && o["error"] is JsonValue e && e.GetValueKind() == JsonValueKind.String
                    ? null : $"error body is not {{\"error\": \"...\"}}: {Shorten(body)}";
            }
            catch (JsonException)
            {
                return $"error body is not JSON: {Shorten(body)}";
            }
        }
        catch (HttpRequestException e)
        {
            return $"no reply: {e.Message} {e.InnerException?.Message}";
        }
    }

    /// <summary>A valid request for the brightest-pixel model, whose answer is known: null when it is right.</summary>
    private static async Task<string?> Served(HttpClient client, Random random, CancellationToken cancel)
    {
        int batch = random.Next(1, 9);
        var pixels = new byte[batch * 4];
        random.NextBytes(pixels);
        var json = $$"""{"inputs":[{"name":"pixels","shape":[{{batch}},2,2],"datatype":"UINT8","data":[{{string.Join(",", pixels)}}]}],"outputs":[{"name":"class_index"}]}""";
        try
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await client.PostAsync("/v2/models/brightest/infer", content, cancel);
            var body = await response.Content.ReadAsStringAsync(cancel);
            if (response.StatusCode != HttpStatusCode.OK) return $"HTTP {(int)response.StatusCode}: {Shorten(body)}";
            var answer = JsonNode.Parse(body)!["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<long>());
            var expected = Enumerable.Range(0, batch).Select(row => (long)Array.IndexOf(pixels, pixels.Skip(row * 4).Take(4).Max(), row * 4) - row * 4);
            return answer.SequenceEqual(expected) ? null : $"answered [{string.Join(",", answer)}], expected [{string.Join(",", expected)}]";
        }
        catch (HttpRequestException e)
        {
            return $"no reply: {e.Message}";
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;
}
