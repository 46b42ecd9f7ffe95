using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Hot reload under load: while eight clients send requests without pause, version 2 of two models is published
/// (one the way export does it, one copied in slowly, so rescans see half a file), then version 3 replaces both
/// at once (versions 1 and 2 deleted in the same instant, so requests are still running on the retired default).
/// Not one request fails, every answer is exactly what the version it names computes, and afterwards version 3
/// is the default. With dynamic batching on, the batches of a retired version finish on it as well.
/// </summary>
[TestFixture]
public sealed class HotReloadUnderLoadTests
{
    private const int ClientsPerModel = 4;
    private const long SlowIterations = 30;
    private static readonly byte[] Pixels = [0, 64, 128, 255];
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [TestCase(false, TestName = "Eight_clients_lose_no_request_while_versions_are_published_and_removed")]
    [TestCase(true, TestName = "Eight_clients_lose_no_request_while_versions_of_a_batched_model_are_published_and_removed")]
    public async Task Eight_clients_lose_no_request_while_versions_are_published_and_removed(bool batched)
    {
        var classifier = new[] { 1f, -3f, 2f }.Select(scale => TestModels.Classifier(scale).ToByteArray()).ToArray();
        var slow = TestModels.Slow().ToByteArray();
        var expected = classifier.Select((file, i) => (Version: (i + 1).ToString(), Logits: Logits(file))).ToDictionary(v => v.Version, v => v.Logits);
        Assert.That(expected.Values.Distinct(new LogitsComparer()).Count(), Is.EqualTo(3), "the versions must differ for the check to mean anything");
        await using var host = await ServeTestHost.StartAsync(root =>
        {
            TestModels.Write(root, "classifier", 1, TestModels.Classifier(scale: 1f),
                maxBatchSize: batched ? 8 : 0, dynamicBatching: batched ? "max_queue_delay_microseconds: 500" : null);
            TestModels.Write(root, "slow", 1, TestModels.Slow());
        }, o => o with { ReloadInterval = TimeSpan.FromHours(1), MaxQueue = 16 });

        var failures = new ConcurrentQueue<string>();
        var served = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var clients = Enumerable.Range(0, ClientsPerModel).SelectMany(_ => new[]
        {
            Client(host.Client, "classifier", ClassifierRequest(), body => CheckLogits(body, expected), failures, served, stop.Token),
            Client(host.Client, "slow", TestModels.SlowRequest(SlowIterations), _ => null, failures, served, stop.Token),
        }).ToArray();

        await WaitUntil(() => served.Values.Sum() >= 100, "the clients are under way", failures);
        TestModels.Publish(host.Repository, "classifier", 2, classifier[1]);
        await CopySlowly(slow, Path.Combine(host.Repository, "slow", "2"));
        await WaitUntil(() => served.GetValueOrDefault("classifier 2") > 20 && served.GetValueOrDefault("slow 2") > 20, "version 2 of both serves", failures);
        foreach (var (model, file) in new[] { ("classifier", classifier[2]), ("slow", slow) })
        {
            TestModels.Publish(host.Repository, model, 3, file);
            Directory.Delete(Path.Combine(host.Repository, model, "1"), recursive: true);
            Directory.Delete(Path.Combine(host.Repository, model, "2"), recursive: true);
        }
        await WaitUntil(() => host.Server.Models.VersionsOf("classifier").SequenceEqual([3L]) && host.Server.Models.VersionsOf("slow").SequenceEqual([3L]),
            "versions 1 and 2 of both are unloaded", failures);
        var atSwap = served.Values.Sum();
        await WaitUntil(() => served.Values.Sum() >= atSwap + 100, "more requests after the swap", failures);
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        var elapsed = Stopwatch.GetElapsedTime(started);

        TestContext.Out.WriteLine($"{served.Values.Sum()} requests by {clients.Length} clients in {elapsed.TotalSeconds:0.0} s, " +
            $"{failures.Count} failed; by model and version: {string.Join(", ", served.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))}");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(10)));
        Assert.That(served.Keys, Is.EquivalentTo(new[] { "classifier 1", "classifier 2", "classifier 3", "slow 1", "slow 2", "slow 3" }));
        foreach (var model in new[] { "classifier", "slow" })
        {
            var (status, metadata) = await host.GetAsync($"/v2/models/{model}");
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(metadata["versions"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(new[] { "3" }));
            Assert.That(metadata["load_errors"], Is.Null, "the half-copied file's failure is cleared once the whole file loads");
        }
        var (_, answer) = await host.PostAsync("/v2/models/classifier/infer", ClassifierRequest());
        Assert.That(answer["model_version"]!.GetValue<string>(), Is.EqualTo("3"));
    }

    private sealed class LogitsComparer : IEqualityComparer<float[]>
    {
        public bool Equals(float[]? a, float[]? b) => a!.SequenceEqual(b!);

        public int GetHashCode(float[] logits) => logits.Length;
    }

    /// <summary>Sends one request after another until stopped; anything but a correct 200 is a failure.</summary>
    private static Task Client(HttpClient http, string model, string request, Func<JsonNode, string?> check,
        ConcurrentQueue<string> failures, ConcurrentDictionary<string, int> served, CancellationToken stop) => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var content = new StringContent(request, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync($"/v2/models/{model}/infer", content, CancellationToken.None);
                var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"{model}: HTTP {(int)response.StatusCode} {text}");
                    continue;
                }
                var body = JsonNode.Parse(text)!;
                if (check(body) is { } problem) failures.Enqueue($"{model}: {problem}");
                served.AddOrUpdate($"{model} {body["model_version"]!.GetValue<string>()}", 1, (_, n) => n + 1);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures.Enqueue($"{model}: {e.GetType().Name}: {e.Message}");
            }
        }
    });

    private static string? CheckLogits(JsonNode body, IReadOnlyDictionary<string, float[]> expected)
    {
        var version = body["model_version"]!.GetValue<string>();
        var logits = body["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "logits")!["data"]!.AsArray()
            .Select(v => v!.GetValue<float>()).ToArray();
        return logits.SequenceEqual(expected[version]) ? null : $"version {version} answered [{string.Join(", ", logits)}]";
    }

    /// <summary>Writes the model file straight into its version folder in four pieces, pausing longer than the watcher's quiet time between them.</summary>
    private static async Task CopySlowly(byte[] model, string versionDirectory)
    {
        Directory.CreateDirectory(versionDirectory);
        await using var file = new FileStream(Path.Combine(versionDirectory, "model.onnx"), FileMode.CreateNew);
        int piece = model.Length / 4 + 1;
        for (int offset = 0; offset < model.Length; offset += piece)
        {
            await file.WriteAsync(model.AsMemory(offset, Math.Min(piece, model.Length - offset)));
            await file.FlushAsync();
            await Task.Delay(Toolchain.Serve.Repository.RepositoryWatcher.Quiet * 2);
        }
    }

    private static async Task WaitUntil(Func<bool> condition, string what, ConcurrentQueue<string> failures) =>
        await ServeTestHost.WaitUntil(() => Task.FromResult(condition() || failures.Count > 100), Soon, what);

    private static string ClassifierRequest() =>
        $$"""{"inputs": [{"name": "pixels", "shape": [1, 2, 2], "datatype": "UINT8", "data": [{{string.Join(", ", Pixels)}}]}], "outputs": [{"name": "logits"}]}""";

    private static float[] Logits(byte[] modelFile)
    {
        using var session = new InferenceSession(modelFile);
        using var input = OrtValue.CreateTensorValueFromMemory(Pixels.ToArray(), [1, 2, 2]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["pixels"], [input], ["logits"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
