using NUnit.Framework;
using Toolchain.Serve.Repository;

namespace Toolchain.Tests.Serve;

/// <summary>The top-level fields of config.pbtxt are read; nested blocks and comments do not leak into them.</summary>
[TestFixture]
public sealed class TritonConfigTests
{
    private string path = null!;

    [SetUp]
    public void MakePath() => path = Path.Combine(Path.GetTempPath(), $"config-{Guid.NewGuid():N}.pbtxt");

    [TearDown]
    public void RemovePath() => File.Delete(path);

    [Test]
    public void Reads_name_platform_and_max_batch_size_outside_nested_blocks()
    {
        File.WriteAllText(path, """
            # exported by toolchain
            name: "fashion-mlp"
            platform: "onnxruntime_onnx"
            max_batch_size: 256
            input [
              {
                name: "pixels"
                data_type: TYPE_UINT8
                dims: [ 28, 28 ]
              }
            ]
            output [ { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] } ]
            version_policy: { latest { num_versions: 1 } }
            """);

        var config = TritonConfig.Read(path);

        Assert.That(config, Is.EqualTo(new TritonConfig("fashion-mlp", "onnxruntime_onnx", 256)));
    }

    [Test]
    public void A_missing_file_means_defaults()
    {
        Assert.That(TritonConfig.Read(path), Is.EqualTo(TritonConfig.Default));
    }

    [Test]
    public void Another_platform_is_refused_by_name()
    {
        File.WriteAllText(path, "name: \"m\"\nplatform: \"tensorflow_savedmodel\"\n");

        var e = Assert.Throws<ModelLoadException>(() => TritonConfig.Read(path));

        Assert.That(e!.Message, Does.Contain("platform 'tensorflow_savedmodel' is not served here"));
    }

    [Test]
    public void A_bad_max_batch_size_is_refused()
    {
        File.WriteAllText(path, "max_batch_size: -4\n");

        var e = Assert.Throws<ModelLoadException>(() => TritonConfig.Read(path));

        Assert.That(e!.Message, Does.Contain("max_batch_size must be a non-negative integer, got '-4'"));
    }
}
