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

    [Test]
    public void Reads_dynamic_batching_with_a_list_of_preferred_sizes()
    {
        File.WriteAllText(path, """
            max_batch_size: 64
            input [ { name: "x" dims: [ 4 ] } ]
            dynamic_batching {
              max_queue_delay_microseconds: 100  # a tenth of a millisecond
              preferred_batch_size: [ 32, 8, 16 ]
            }
            """);

        var config = TritonConfig.Read(path);

        Assert.That(config, Is.EqualTo(new TritonConfig(null, "onnxruntime_onnx", 64,
            new DynamicBatching(TimeSpan.FromMicroseconds(100), [8, 16, 32]))));
    }

    [Test]
    public void Reads_preferred_sizes_repeated_one_a_field()
    {
        File.WriteAllText(path, "max_batch_size: 16\ndynamic_batching { preferred_batch_size: 4 preferred_batch_size: 8 }\n");

        var batching = TritonConfig.Read(path).Batching;

        Assert.That(batching!.PreferredBatchSizes, Is.EqualTo(new[] { 4, 8 }));
        Assert.That(batching.MaxQueueDelay, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void An_empty_dynamic_batching_block_turns_batching_on_with_no_delay()
    {
        File.WriteAllText(path, "max_batch_size: 8\ndynamic_batching: { }\n");

        Assert.That(TritonConfig.Read(path).Batching, Is.EqualTo(new DynamicBatching(TimeSpan.Zero, [])));
    }

    [Test]
    public void No_dynamic_batching_block_means_no_batching()
    {
        File.WriteAllText(path, "max_batch_size: 8\n");

        Assert.That(TritonConfig.Read(path).Batching, Is.Null);
    }

    [TestCase("max_batch_size: 0\ndynamic_batching { }", "dynamic_batching needs max_batch_size > 0")]
    [TestCase("max_batch_size: 8\ndynamic_batching { preferred_batch_size: 16 }", "preferred_batch_size 16 exceeds max_batch_size 8")]
    [TestCase("max_batch_size: 8\ndynamic_batching { preferred_batch_size: [ 0 ] }", "preferred_batch_size must hold positive integers, got '0'")]
    [TestCase("max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: -5 }", "max_queue_delay_microseconds must be a non-negative integer, got '-5'")]
    public void A_bad_dynamic_batching_block_is_refused_naming_the_field(string text, string message)
    {
        File.WriteAllText(path, text);

        var e = Assert.Throws<ModelLoadException>(() => TritonConfig.Read(path));

        Assert.That(e!.Message, Does.Contain(message));
    }
}
