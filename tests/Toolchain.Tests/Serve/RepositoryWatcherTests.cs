using Google.Protobuf;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using Toolchain.Serve.Repository;

namespace Toolchain.Tests.Serve;

/// <summary>
/// The watcher logs what each rescan changes: a version loaded or unloaded at information level, and a broken
/// version as an error, once, naming the file, the reason and what is still served.
/// </summary>
[TestFixture]
public sealed class RepositoryWatcherTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    private string root = null!;
    private ModelRepository repository = null!;

    [SetUp]
    public void LoadRepository()
    {
        root = Path.Combine(Path.GetTempPath(), "toolchain-watcher-tests", Guid.NewGuid().ToString("N"));
        TestModels.Write(root, "classifier", 1, TestModels.Classifier());
        repository = ModelRepository.Load(root, ExecutionDevice.Cpu);
    }

    [TearDown]
    public void Remove()
    {
        repository.Dispose();
        Directory.Delete(root, recursive: true);
    }

    [Test]
    public async Task A_broken_version_is_logged_once_as_an_error_naming_the_file_and_what_is_still_served()
    {
        var logger = new ListLogger();
        await using (var watcher = new RepositoryWatcher(repository, TimeSpan.FromMilliseconds(100), watchFileSystem: true, logger))
        {
            Assert.That(watcher.IsWatching, Is.True);
            var path = TestModels.Publish(root, "classifier", 2, [1, 2, 3]);

            await ServeTestHost.WaitUntil(() => Task.FromResult(logger.Entries.Any(e => e.Level == LogLevel.Error)), Soon, "an error is logged");
            await Task.Delay(500); // several more rescans
            var errors = logger.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message).ToArray();

            Assert.That(errors, Has.Length.EqualTo(1), string.Join("\n", errors));
            Assert.That(errors[0], Does.StartWith($"model 'classifier' version 2: ONNX Runtime cannot load '{path}'"));
            Assert.That(errors[0], Does.EndWith("; still serving 'classifier' versions 1"));
        }
    }

    [Test]
    public async Task Loaded_and_unloaded_versions_are_logged()
    {
        var logger = new ListLogger();
        await using (new RepositoryWatcher(repository, TimeSpan.FromMilliseconds(100), watchFileSystem: true, logger))
        {
            TestModels.Publish(root, "classifier", 2, TestModels.Classifier(scale: 2f).ToByteArray());
            await ServeTestHost.WaitUntil(() => Task.FromResult(repository.VersionsOf("classifier").Count == 2), Soon, "version 2 loads");
            Directory.Delete(Path.Combine(root, "classifier", "1"), recursive: true);
            await ServeTestHost.WaitUntil(() => Task.FromResult(repository.VersionsOf("classifier").Count == 1), Soon, "version 1 unloads");
        }

        var messages = logger.Entries.Where(e => e.Level == LogLevel.Information).Select(e => e.Message).ToArray();
        Assert.That(messages, Has.Some.StartsWith("loaded model 'classifier' version 2 from"));
        Assert.That(messages, Has.Some.StartsWith("unloaded model 'classifier' version 1"));
    }
}
