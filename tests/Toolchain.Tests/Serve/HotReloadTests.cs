using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// A running server follows its repository: a version published into it becomes the default without a restart,
/// a broken one is reported while the previous version goes on serving, and removed versions and models are
/// unloaded. Both the file-system watcher and, without it, the periodic rescan find changes.
/// </summary>
[TestFixture]
public sealed class HotReloadTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RepositoryWatcherDelay = Toolchain.Serve.Repository.RepositoryWatcher.Quiet + TimeSpan.FromMilliseconds(300);
    private static readonly string Pixels = """{"inputs": [{"name": "pixels", "shape": [1, 2, 2], "datatype": "UINT8", "data": [0, 64, 128, 255]}]}""";

    private ServeTestHost host = null!;

    [TearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task A_published_version_becomes_the_default_without_a_restart()
    {
        host = await Start(o => o with { ReloadInterval = TimeSpan.FromHours(1) });

        TestModels.Publish(host.Repository, "classifier", 2, TestModels.Classifier(scale: -3f).ToByteArray());

        await WaitForVersions("1", "2");
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer", Pixels);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(body["model_version"]!.GetValue<string>(), Is.EqualTo("2"));
        (status, body) = await host.PostAsync("/v2/models/classifier/versions/1/infer", Pixels);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), "the older version stays addressable");
    }

    [Test]
    public async Task Without_file_system_events_the_periodic_rescan_finds_a_new_version()
    {
        host = await Start(o => o with { WatchFileSystem = false, ReloadInterval = TimeSpan.FromMilliseconds(200) });

        TestModels.Publish(host.Repository, "classifier", 2, TestModels.Classifier(scale: -3f).ToByteArray());

        await WaitForVersions("1", "2");
    }

    [Test]
    public async Task With_hot_reload_off_the_repository_is_read_once()
    {
        host = await Start(o => o with { ReloadInterval = TimeSpan.Zero });

        TestModels.Publish(host.Repository, "classifier", 2, TestModels.Classifier(scale: -3f).ToByteArray());
        await Task.Delay(RepositoryWatcherDelay * 3);

        Assert.That(await Versions(), Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public async Task A_broken_version_is_reported_and_the_previous_version_keeps_serving()
    {
        host = await Start(o => o with { ReloadInterval = TimeSpan.FromHours(1) });

        TestModels.Publish(host.Repository, "classifier", 2, "not an onnx model"u8.ToArray());

        await ServeTestHost.WaitUntil(async () => (await host.GetAsync("/v2/models/classifier")).Body["load_errors"] is not null, Soon, "the failure is reported");
        var (status, metadata) = await host.GetAsync("/v2/models/classifier");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Strings(metadata["versions"]), Is.EqualTo(new[] { "1" }));
        Assert.That(metadata["load_errors"]!["2"]!.GetValue<string>(), Does.StartWith("model 'classifier' version 2: ONNX Runtime cannot load"));

        var (readyStatus, ready) = await host.GetAsync("/v2/models/classifier/versions/2/ready");
        Assert.That(readyStatus, Is.EqualTo(HttpStatusCode.BadRequest), "the protocol answers 'not ready' with a 4xx");
        Assert.That(ready["ready"]!.GetValue<bool>(), Is.False);
        Assert.That(ready["error"]!.GetValue<string>(), Does.Contain("cannot load").And.Contain("available versions: 1"));

        var (inferStatus, infer) = await host.PostAsync("/v2/models/classifier/infer", Pixels);
        Assert.That(inferStatus, Is.EqualTo(HttpStatusCode.OK), infer.ToJsonString());
        Assert.That(infer["model_version"]!.GetValue<string>(), Is.EqualTo("1"));
        var (pinnedStatus, pinned) = await host.PostAsync("/v2/models/classifier/versions/2/infer", Pixels);
        Assert.That(pinnedStatus, Is.EqualTo(HttpStatusCode.ServiceUnavailable), pinned.ToJsonString());
        Assert.That(await host.MetricAsync("toolchain_model_load_failures"), Is.EqualTo(1));

        // Rewriting the file is noticed, and the repaired version loads.
        File.WriteAllBytes(Path.Combine(host.Repository, "classifier", "2", "model.onnx"), TestModels.Classifier(scale: -3f).ToByteArray());
        await WaitForVersions("1", "2");
        (_, metadata) = await host.GetAsync("/v2/models/classifier");
        Assert.That(metadata["load_errors"], Is.Null);
    }

    [Test]
    public async Task A_removed_version_is_unloaded()
    {
        host = await Start(o => o with { ReloadInterval = TimeSpan.FromHours(1) }, versions: 2);

        Directory.Delete(Path.Combine(host.Repository, "classifier", "2"), recursive: true);

        await WaitForVersions("1");
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer", Pixels);
        Assert.That(body["model_version"]!.GetValue<string>(), Is.EqualTo("1"), body.ToJsonString());
        (status, body) = await host.PostAsync("/v2/models/classifier/versions/2/infer", Pixels);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), body.ToJsonString());
    }

    [Test]
    public async Task A_removed_model_is_unloaded()
    {
        host = await Start(o => o with { ReloadInterval = TimeSpan.FromHours(1) });

        Directory.Delete(Path.Combine(host.Repository, "classifier"), recursive: true);

        await ServeTestHost.WaitUntil(async () => (await host.GetAsync("/v2/models/classifier")).Status == HttpStatusCode.NotFound, Soon, "the model is gone");
        var (status, body) = await host.PostAsync("/v2/models/classifier/infer", Pixels);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), body.ToJsonString());
    }

    [Test]
    public async Task A_changed_config_reloads_the_model_with_it()
    {
        host = await Start(o => o with { ReloadInterval = TimeSpan.FromHours(1) });
        var batchOfThree = """{"inputs": [{"name": "pixels", "shape": [3, 2, 2], "datatype": "UINT8", "data": [0,1,2,3,4,5,6,7,8,9,10,11]}]}""";
        Assert.That((await host.PostAsync("/v2/models/classifier/infer", batchOfThree)).Status, Is.EqualTo(HttpStatusCode.OK));

        File.WriteAllText(Path.Combine(host.Repository, "classifier", "config.pbtxt"), "name: \"classifier\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 2\n");

        await ServeTestHost.WaitUntil(async () => (await host.PostAsync("/v2/models/classifier/infer", batchOfThree)).Status == HttpStatusCode.BadRequest,
            Soon, "the new max_batch_size applies");
        var (_, error) = await host.PostAsync("/v2/models/classifier/infer", batchOfThree);
        Assert.That(error["error"]!.GetValue<string>(), Does.Contain("exceeds the model's max_batch_size 2"));
    }

    private static Task<ServeTestHost> Start(Func<Toolchain.Serve.ServeOptions, Toolchain.Serve.ServeOptions> configure, int versions = 1) =>
        ServeTestHost.StartAsync(root =>
        {
            for (int v = 1; v <= versions; v++)
                TestModels.Write(root, "classifier", v, TestModels.Classifier(scale: v), TestModels.ClassifierLabels);
        }, configure);

    private async Task WaitForVersions(params string[] expected) =>
        await ServeTestHost.WaitUntil(async () => (await Versions()).SequenceEqual(expected), Soon, $"versions are [{string.Join(", ", expected)}]");

    private async Task<string[]> Versions()
    {
        var (status, body) = await host.GetAsync("/v2/models/classifier");
        return status == HttpStatusCode.OK ? Strings(body["versions"]) : [];
    }

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
}
