using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Export;

namespace Toolchain.Tests.Export;

/// <summary>A damaged or missing checkpoint is refused with its file named, and the repository stays as it was.</summary>
public sealed class CorruptCheckpointTests
{
    [Test]
    public void AFlippedByteIsRejectedAndNothingIsPublished()
    {
        using var workspace = new ExportWorkspace();
        new Exporter().Run(workspace.Options());
        var before = workspace.RepositorySnapshot();
        var path = workspace.EpochCheckpointPath(2);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CheckpointException>(() => new Exporter().Run(workspace.Options()));

        Assert.That(error!.Message, Does.Contain(path).And.Contain("corrupt"));
        Assert.That(workspace.RepositorySnapshot(), Is.EqualTo(before));
    }

    [Test]
    public void ATruncatedCheckpointIsRejectedAndNothingIsPublished()
    {
        using var workspace = new ExportWorkspace();
        var before = workspace.RepositorySnapshot();
        var path = workspace.EpochCheckpointPath(2);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<CheckpointException>(() => new Exporter().Run(workspace.Options()));

        Assert.That(error!.Message, Does.Contain(path).And.Contain("truncated"));
        Assert.That(workspace.RepositorySnapshot(), Is.EqualTo(before));
    }

    [Test]
    public void AMissingCheckpointIsNamed()
    {
        using var workspace = new ExportWorkspace();
        var path = Path.Combine(workspace.Root, "nowhere", "epoch-0099.safetensors");

        var error = Assert.Throws<CheckpointException>(() => new Exporter().Run(workspace.Options(checkpoint: path)));

        Assert.That(error!.Message, Does.Contain(path).And.Contain("does not exist"));
    }

    [Test]
    public void ARunWithoutCheckpointsSaysWhereItLooked()
    {
        using var workspace = new ExportWorkspace();
        var checkpoints = Path.GetDirectoryName(workspace.EpochCheckpointPath(1))!;
        foreach (var file in Directory.GetFiles(checkpoints, "epoch-*")) File.Delete(file);

        var error = Assert.Throws<ExportException>(() => new Exporter().Run(workspace.Options()));

        Assert.That(error!.Message, Does.Contain(checkpoints).And.Contain("no checkpoints"));
    }
}
