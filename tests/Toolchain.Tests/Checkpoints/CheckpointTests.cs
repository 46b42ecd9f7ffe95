using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Checkpoints;

public sealed class CheckpointTests
{
    private static Checkpoint Sample()
    {
        var checkpoint = new Checkpoint();
        checkpoint.Tensors["fc.weight"] = new FloatTensor([2, 3], [1, 2, 3, 4, 5, 6]);
        checkpoint.Tensors["fc.bias"] = new FloatTensor([2], [-1, 0.5f]);
        checkpoint.Metadata["epoch"] = "3";
        return checkpoint;
    }

    [Test]
    public void Round_trips_tensors_and_metadata()
    {
        using var temp = new TempDirectory();
        Sample().Save(temp.File("c.safetensors"));
        var loaded = Checkpoint.Load(temp.File("c.safetensors"));
        Assert.That(loaded.Tensors["fc.weight"].Data, Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(loaded.Tensors["fc.weight"].Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(loaded.Tensors["fc.bias"].Data, Is.EqualTo(new[] { -1, 0.5f }));
        Assert.That(loaded.Metadata["epoch"], Is.EqualTo("3"));
    }

    [Test]
    public void A_flipped_byte_is_detected_by_the_checksum()
    {
        using var temp = new TempDirectory();
        Sample().Save(temp.File("c.safetensors"));
        var bytes = File.ReadAllBytes(temp.File("c.safetensors"));
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(temp.File("c.safetensors"), bytes);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(temp.File("c.safetensors")));
        Assert.That(error!.Message, Does.Contain("c.safetensors").And.Contain("checksum"));
    }

    [Test]
    public void A_truncated_file_is_rejected_naming_it()
    {
        using var temp = new TempDirectory();
        Sample().Save(temp.File("c.safetensors"));
        var bytes = File.ReadAllBytes(temp.File("c.safetensors"));
        File.WriteAllBytes(temp.File("c.safetensors"), bytes[..^8]);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(temp.File("c.safetensors")));
        Assert.That(error!.Message, Does.Contain("c.safetensors").And.Contain("truncated"));
    }

    [Test]
    public void Saving_over_an_existing_checkpoint_leaves_no_temp_files()
    {
        using var temp = new TempDirectory();
        Sample().Save(temp.File("c.safetensors"));
        Sample().Save(temp.File("c.safetensors"));
        Assert.That(Directory.GetFiles(temp.Path), Has.Length.EqualTo(1));
    }
}
