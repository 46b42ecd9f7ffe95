using NUnit.Framework;
using Toolchain.Export;
using Toolchain.Onnx;

namespace Toolchain.Tests.Export;

/// <summary>The command line: which checkpoint it picks, its exit codes, and its error message.</summary>
[NonParallelizable]
public sealed class ExportCommandTests
{
    [Test]
    public void ExportsTheLatestEpochByDefaultAndBestWhenAsked()
    {
        using var workspace = new ExportWorkspace();

        Assert.That(Invoke(workspace).ExitCode, Is.EqualTo(0));
        Assert.That(Invoke(workspace, "--best").ExitCode, Is.EqualTo(0));

        Assert.That(SourceOf(workspace.PublishedModelPath(1)), Is.EqualTo(workspace.EpochCheckpointPath(2)));
        Assert.That(SourceOf(workspace.PublishedModelPath(2)), Is.EqualTo(workspace.BestCheckpointPath));
    }

    [Test]
    public void FailureExitsNonZeroWithTheReason()
    {
        using var workspace = new ExportWorkspace();
        var missing = Path.Combine(workspace.Root, "missing.safetensors");

        var (exitCode, error) = Invoke(workspace, "--checkpoint", missing);

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Does.StartWith("export failed: ").And.Contain(missing));
        Assert.That(Directory.EnumerateDirectories(workspace.ModelDirectory), Is.Empty);
    }

    [Test]
    public void CheckpointAndBestTogetherAreRefused()
    {
        using var workspace = new ExportWorkspace();

        var (exitCode, error) = Invoke(workspace, "--best", "--checkpoint", workspace.BestCheckpointPath);

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Does.Contain("--checkpoint and --best"));
    }

    [TestCase("../elsewhere")]
    [TestCase(".hidden")]
    public void AModelNameThatIsNotAFolderNameIsRefused(string model)
    {
        var error = Assert.Throws<ExportException>(() => new Exporter().Run(new ExportOptions { Model = model }));

        Assert.That(error!.Message, Does.Contain($"--model: expected a model name").And.Contain(model));
    }

    private static (int ExitCode, string Error) Invoke(ExportWorkspace workspace, params string[] extra)
    {
        var previous = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            string[] args = ["--model", ExportWorkspace.Model, "--runs", workspace.RunsDirectory, "--models", workspace.ModelsDirectory, .. extra];
            return (ExportCommand.Create().Parse(args).Invoke(), error.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    private static string SourceOf(string modelPath) =>
        OnnxModelFile.Load(modelPath).MetadataProps.Single(p => p.Key == "source_checkpoint").Value;
}
