using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Export;

namespace Toolchain.Tests.Export;

/// <summary>An inference graph that disagrees with the eval graph is never published, and the error shows the worst sample.</summary>
public sealed class ParityFailureTests
{
    [Test]
    public void AGraphBakedWithTheWrongNormalizationPublishesNothing()
    {
        using var workspace = new ExportWorkspace();
        new Exporter().Run(workspace.Options());
        var before = workspace.RepositorySnapshot();
        var report = File.ReadAllBytes(workspace.ExportReportPath);
        var exporter = new Exporter
        {
            NormalizationToBake = n => n with { Mean = new FloatTensor(n.Mean.Shape, n.Mean.Data.Select(v => v + 40f).ToArray()) },
        };

        var error = Assert.Throws<ExportException>(() => exporter.Run(workspace.Options()));

        Assert.That(error!.Message, Does.StartWith($"parity check failed on {ExportWorkspace.ValidationSize} validation samples"));
        Assert.That(error.Message, Does.Contain("max |Δ logits| =").And.Contain("worst: sample ").And.Contain("eval logits [").And.Contain("exported logits ["));
        Assert.That(error.Message, Does.Contain("nothing was published"));
        Assert.That(workspace.RepositorySnapshot(), Is.EqualTo(before), "no version, config or labels change and no staging folder remains");
        Assert.That(File.ReadAllBytes(workspace.ExportReportPath), Is.EqualTo(report), "export.json still describes the last good export");
    }
}
