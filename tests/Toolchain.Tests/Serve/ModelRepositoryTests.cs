using Google.Protobuf;
using NUnit.Framework;
using Toolchain.Serve.Repository;

namespace Toolchain.Tests.Serve;

/// <summary>The repository loads numbered versions only, picks the highest as latest, and refuses what it cannot serve by name.</summary>
[TestFixture]
public sealed class ModelRepositoryTests
{
    private string root = null!;

    [SetUp]
    public void MakeRoot()
    {
        root = Path.Combine(Path.GetTempPath(), "toolchain-repository-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
    }

    [TearDown]
    public void RemoveRoot() => Directory.Delete(root, recursive: true);

    [Test]
    public void Only_positive_integer_version_folders_with_a_model_are_loaded()
    {
        TestModels.Write(root, "classifier", 2, TestModels.Classifier());
        TestModels.Write(root, "classifier", 10, TestModels.Classifier());
        var model = Path.Combine(root, "classifier");
        File.WriteAllText(Path.Combine(model, "recipe.yaml"), "model: mlp\n");
        foreach (var ignored in new[] { ".staging-3", "best", "0", "v4", "+5", "05", "7" })
            Directory.CreateDirectory(Path.Combine(model, ignored));
        File.WriteAllBytes(Path.Combine(model, ".staging-3", "model.onnx"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(model, "best", "model.onnx"), TestModels.Classifier().ToByteArray());
        Directory.CreateDirectory(Path.Combine(root, ".staging-export"));
        TestModels.Write(Path.Combine(root, ".staging-export"), "hidden", 1, TestModels.Classifier());
        Directory.CreateDirectory(Path.Combine(root, "empty-model"));

        using var repository = ModelRepository.Load(root, ExecutionDevice.Cpu);

        Assert.That(repository.ModelNames, Is.EqualTo(new[] { "classifier" }));
        Assert.That(repository.VersionsOf("classifier"), Is.EqualTo(new long[] { 2, 10 }), "numeric order, not string order");
        Assert.That(repository.TryFind("classifier", null, out var latest, out _), Is.True);
        Assert.That(latest!.Version, Is.EqualTo(10));
        Assert.That(repository.TryFind("classifier", "2", out var two, out _), Is.True);
        Assert.That(two!.Version, Is.EqualTo(2));
        Assert.That(repository.TryFind("classifier", "7", out _, out var error), Is.False);
        Assert.That(error!.Message, Is.EqualTo("unknown version '7' of model 'classifier'; available versions: 2, 10"));
        Assert.That(error.Unavailable, Is.False, "a version that does not exist is not found, not unavailable");
    }

    [Test]
    public void Labels_come_from_labels_txt_else_from_model_metadata()
    {
        TestModels.Write(root, "from-file", 1, TestModels.Classifier(), ["a", "b", "c"]);
        TestModels.Write(root, "from-json", 1, TestModels.Classifier(metadata: new Dictionary<string, string> { ["labels"] = """["x","y","z"]""" }));
        TestModels.Write(root, "from-lines", 1, TestModels.Classifier(metadata: new Dictionary<string, string> { ["labels"] = "p\nq\nr\n" }));
        TestModels.Write(root, "none", 1, TestModels.Classifier());

        using var repository = ModelRepository.Load(root, ExecutionDevice.Cpu);

        Assert.That(Labels(repository, "from-file"), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(Labels(repository, "from-json"), Is.EqualTo(new[] { "x", "y", "z" }));
        Assert.That(Labels(repository, "from-lines"), Is.EqualTo(new[] { "p", "q", "r" }));
        Assert.That(Labels(repository, "none"), Is.Empty);
    }

    [Test]
    public void Inputs_and_outputs_come_from_the_session_metadata()
    {
        TestModels.Write(root, "adder", 1, TestModels.Adder(), maxBatchSize: 16);

        using var repository = ModelRepository.Load(root, ExecutionDevice.Cpu);
        Assert.That(repository.TryFind("adder", null, out var adder, out var error), Is.True, error?.Message);
        Assert.That(adder, Is.Not.Null);

        Assert.That(adder!.Inputs.Select(i => i.ToString()), Is.EqualTo(new[] { "a FP32 [N,3]", "b FP32 [N,3]", "count INT64 [1]" }));
        Assert.That(adder.Outputs.Select(o => o.ToString()), Is.EqualTo(new[] { "sum FP32 [N,3]", "count_out INT64 [1]" }));
        Assert.That(adder.Inputs[0].Shape, Is.EqualTo(new long[] { -1, 3 }));
        Assert.That(adder.Config.MaxBatchSize, Is.EqualTo(16));
    }

    [Test]
    public void A_corrupt_model_file_fails_the_load_naming_the_file()
    {
        TestModels.Write(root, "good", 1, TestModels.Classifier());
        Directory.CreateDirectory(Path.Combine(root, "broken", "3"));
        File.WriteAllText(Path.Combine(root, "broken", "3", "model.onnx"), "not a model");

        var e = Assert.Throws<ModelLoadException>(() => ModelRepository.Load(root, ExecutionDevice.Cpu));

        Assert.That(e!.Message, Does.Contain("model 'broken' version 3"));
        Assert.That(e.Message, Does.Contain(Path.Combine(root, "broken", "3", "model.onnx")));
    }

    [Test]
    public void Reload_records_a_broken_version_reports_it_once_and_retries_it_only_when_its_file_changes()
    {
        TestModels.Write(root, "classifier", 1, TestModels.Classifier());
        using var repository = ModelRepository.Load(root, ExecutionDevice.Cpu);
        Directory.CreateDirectory(Path.Combine(root, "classifier", "2"));
        var broken = Path.Combine(root, "classifier", "2", "model.onnx");
        File.WriteAllText(broken, "not a model");

        var first = repository.Reload();
        var second = repository.Reload();

        Assert.That(first.Failed.Select(f => (f.Model, f.Version)), Is.EqualTo(new[] { ("classifier", 2L) }));
        Assert.That(first.Failed[0].Message, Does.Contain(broken));
        Assert.That(second.Changed, Is.False, "the same broken file is neither reloaded nor reported again");
        Assert.That(repository.VersionsOf("classifier"), Is.EqualTo(new long[] { 1 }));
        Assert.That(repository.Snapshot.Models["classifier"].Failures.Keys, Is.EqualTo(new long[] { 2 }));
        Assert.That(repository.TryFind("classifier", "2", out _, out var error), Is.False);
        Assert.That(error!.Unavailable, Is.True);

        File.WriteAllBytes(broken, TestModels.Classifier(scale: 2f).ToByteArray());
        File.SetLastWriteTimeUtc(broken, DateTime.UtcNow.AddMinutes(1));
        var third = repository.Reload();

        Assert.That(third.Loaded.Select(v => v.Version), Is.EqualTo(new long[] { 2 }));
        Assert.That(repository.Snapshot.Models["classifier"].Failures, Is.Empty);
        Assert.That(repository.VersionsOf("classifier"), Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    public void Reload_keeps_serving_a_model_whose_config_breaks_and_reports_it()
    {
        TestModels.Write(root, "classifier", 1, TestModels.Classifier());
        using var repository = ModelRepository.Load(root, ExecutionDevice.Cpu);
        File.WriteAllText(Path.Combine(root, "classifier", "config.pbtxt"), "platform: \"tensorflow_savedmodel\"\n");

        var report = repository.Reload();

        Assert.That(report.Failed.Single().Message, Does.Contain("platform 'tensorflow_savedmodel' is not served here"));
        Assert.That(repository.TryFind("classifier", null, out var model, out _), Is.True, "the version loaded before is still served");
        Assert.That(model!.IsReleased, Is.False);
    }

    [Test]
    public void A_config_naming_another_model_fails_the_load()
    {
        TestModels.Write(root, "classifier", 1, TestModels.Classifier());
        File.WriteAllText(Path.Combine(root, "classifier", "config.pbtxt"), "name: \"other\"\nplatform: \"onnxruntime_onnx\"\n");

        var e = Assert.Throws<ModelLoadException>(() => ModelRepository.Load(root, ExecutionDevice.Cpu));

        Assert.That(e!.Message, Does.Contain("names the model 'other', but its folder is 'classifier'"));
    }

    [Test]
    public void A_missing_repository_is_an_error_naming_it()
    {
        var missing = Path.Combine(root, "nope");

        var e = Assert.Throws<ModelLoadException>(() => ModelRepository.Load(missing, ExecutionDevice.Cpu));

        Assert.That(e!.Message, Does.Contain($"model repository '{missing}' does not exist"));
    }

    private static IReadOnlyList<string> Labels(ModelRepository repository, string name)
    {
        Assert.That(repository.TryFind(name, null, out var model, out var error), Is.True, error?.Message);
        return model!.Labels;
    }
}
