using NUnit.Framework;
using Toolchain.Export;

namespace Toolchain.Tests.Export;

/// <summary>Each export publishes the next version number and never touches an existing version.</summary>
public sealed class VersionNumberingTests
{
    [Test]
    public void EachExportPublishesTheNextVersionAndLeavesEarlierOnesAlone()
    {
        using var workspace = new ExportWorkspace();
        var recipe = File.ReadAllBytes(workspace.RecipePath);

        var first = new Exporter().Run(workspace.Options());
        var firstBytes = File.ReadAllBytes(workspace.PublishedModelPath(1));
        var second = new Exporter().Run(workspace.Options(best: true));

        Assert.That(first.Version, Is.EqualTo(1));
        Assert.That(second.Version, Is.EqualTo(2));
        Assert.That(File.ReadAllBytes(workspace.PublishedModelPath(1)), Is.EqualTo(firstBytes));
        Assert.That(File.Exists(workspace.PublishedModelPath(2)));
        Assert.That(File.ReadAllBytes(workspace.RecipePath), Is.EqualTo(recipe), "recipe.yaml is left alone");
        Assert.That(Directory.EnumerateDirectories(workspace.ModelDirectory).Select(Path.GetFileName), Is.EquivalentTo(new[] { "1", "2" }),
            "no staging folders are left behind");
    }

    [Test]
    public void AVersionFolderAlreadyThereIsSkippedNotOverwritten()
    {
        using var workspace = new ExportWorkspace();
        var existing = Path.Combine(workspace.ModelDirectory, "3");
        Directory.CreateDirectory(existing);
        File.WriteAllText(Path.Combine(existing, "model.onnx"), "placed by hand");

        var result = new Exporter().Run(workspace.Options());

        Assert.That(result.Version, Is.EqualTo(4));
        Assert.That(File.ReadAllText(Path.Combine(existing, "model.onnx")), Is.EqualTo("placed by hand"));
        Assert.That(result.ModelPath, Is.EqualTo(workspace.PublishedModelPath(4)));
    }

    [Test]
    public void StagingAVersionThatExistsIsRefused()
    {
        using var workspace = new ExportWorkspace();
        Directory.CreateDirectory(Path.Combine(workspace.ModelDirectory, "1"));
        var repository = new ModelRepositoryFolder(workspace.ModelsDirectory, ExportWorkspace.Model);

        var error = Assert.Throws<ExportException>(() => repository.Stage(1));

        Assert.That(error!.Message, Does.Contain(Path.Combine(workspace.ModelDirectory, "1")).And.Contain("never overwritten"));
    }
}
