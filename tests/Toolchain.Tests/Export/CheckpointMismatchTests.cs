using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Export;

namespace Toolchain.Tests.Export;

/// <summary>A checkpoint whose parameters do not fit the eval graph is refused, naming the file, the parameter and both shapes.</summary>
public sealed class CheckpointMismatchTests
{
    [Test]
    public void AParameterOfTheWrongShapeIsNamedWithBothShapes()
    {
        using var workspace = new ExportWorkspace();
        var checkpoint = workspace.CheckpointFor(seed: 5, epoch: 3);
        checkpoint.Tensors["fc.weight"] = FloatTensor.Zeros(4, 3);
        var path = workspace.EpochCheckpointPath(3);
        checkpoint.Save(path);
        var before = workspace.RepositorySnapshot();

        var error = Assert.Throws<CheckpointException>(() => new Exporter().Run(workspace.Options()));

        Assert.That(error!.Message, Does.Contain(path).And.Contain(workspace.EvalModelPath));
        Assert.That(error.Message, Does.Contain("parameter 'fc.weight': expected shape [3,4], got [4,3]"));
        Assert.That(workspace.RepositorySnapshot(), Is.EqualTo(before));
    }

    [Test]
    public void MissingAndUnknownParametersAreAllListed()
    {
        using var workspace = new ExportWorkspace();
        var checkpoint = workspace.CheckpointFor(seed: 5, epoch: 3);
        checkpoint.Tensors.Remove("fc.bias");
        checkpoint.Tensors["head.weight"] = FloatTensor.Zeros(3, 4);
        var path = workspace.EpochCheckpointPath(3);
        checkpoint.Save(path);

        var error = Assert.Throws<CheckpointException>(() => new Exporter().Run(workspace.Options(checkpoint: path)));

        Assert.That(error!.Message, Does.Contain(path));
        Assert.That(error.Message, Does.Contain("parameter 'fc.bias': missing (the eval graph expects float32 [3])"));
        Assert.That(error.Message, Does.Contain("tensor 'head.weight' [3,4]: the eval graph has no parameter or initializer of that name"));
    }

    [Test]
    public void ACheckpointOfAnotherModelIsRefused()
    {
        using var workspace = new ExportWorkspace();
        var checkpoint = workspace.CheckpointFor(seed: 5, epoch: 3);
        checkpoint.Metadata["model"] = "fashion-cnn";
        var path = workspace.EpochCheckpointPath(3);
        checkpoint.Save(path);

        var error = Assert.Throws<CheckpointException>(() => new Exporter().Run(workspace.Options()));

        Assert.That(error!.Message, Does.Contain(path).And.Contain("'fashion-cnn'"));
    }

    [Test]
    public void LabelsThatDisagreeWithTheLogitsAreRefused()
    {
        using var workspace = new ExportWorkspace();
        var checkpoint = workspace.CheckpointFor(seed: 5, epoch: 3);
        checkpoint.Metadata["labels"] = """["a","b"]""";
        var path = workspace.EpochCheckpointPath(3);
        checkpoint.Save(path);

        var error = Assert.Throws<ExportException>(() => new Exporter().Run(workspace.Options()));

        Assert.That(error!.Message, Does.Contain("3 classes").And.Contain("2 labels").And.Contain(path));
    }
}
