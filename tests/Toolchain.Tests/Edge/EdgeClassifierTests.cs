using NUnit.Framework;
using Toolchain.Data;
using Toolchain.Edge;
using Toolchain.Export;
using Toolchain.Tests.Export;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Edge;

/// <summary>
/// The edge runner's classification, in process, on an exported toy model and a tiny IDX file,
/// against a hand computation from the checkpoint: softmax(W·((x − mean) / std) + b).
/// </summary>
[NonParallelizable]
public sealed class EdgeClassifierTests
{
    [Test]
    public void ClassifiesAnIdxFileAsTheCheckpointsMathSays()
    {
        using var workspace = new ExportWorkspace();
        var exported = new Exporter().Run(workspace.Options());
        using var temp = new TempDirectory();
        byte[] pixels = [0, 255, 30, 200, 255, 0, 0, 0, 17, 99, 180, 250, 128, 128, 128, 128, 5, 6, 7, 8];
        IdxFile.Write(temp.File("tiny-images.gz"), [5, 2, 2], pixels);

        var samples = SampleReader.Read(File.ReadAllBytes(temp.File("tiny-images.gz")), "tiny-images.gz", [2, 2]);
        using var classifier = EdgeClassifier.Open(exported.ModelPath);
        var predictions = classifier.Classify(samples.Pixels, samples.Count);

        var checkpoint = workspace.CheckpointFor(seed: 2, epoch: 2);
        var weight = checkpoint.Tensors["fc.weight"].Data;
        var bias = checkpoint.Tensors["fc.bias"].Data;
        Assert.That(predictions, Has.Count.EqualTo(5));
        for (int s = 0; s < 5; s++)
        {
            var logits = new double[3];
            for (int c = 0; c < 3; c++)
            {
                logits[c] = bias[c];
                for (int i = 0; i < 4; i++) logits[c] += weight[c * 4 + i] * ((pixels[s * 4 + i] - 110.0) / 65.0);
            }
            int best = Array.IndexOf(logits, logits.Max());
            double probability = 1 / logits.Sum(l => Math.Exp(l - logits[best]));
            Assert.That(predictions[s].Sample, Is.EqualTo(s));
            Assert.That(predictions[s].ClassIndex, Is.EqualTo(best), $"sample {s}");
            Assert.That(predictions[s].Label, Is.EqualTo(ExportWorkspace.Labels[best]), "labels from the model's metadata");
            Assert.That(predictions[s].Probability, Is.EqualTo(probability).Within(1e-5), $"sample {s}");
        }
        Assert.That(predictions[0].ToLine(), Does.Match(@"^0\t\d\t(left|middle|right)\t[01]\.\d{4}$"));
    }

    [Test]
    public void LabelsTxtBesideTheModelNamesTheClasses()
    {
        using var workspace = new ExportWorkspace();
        var exported = new Exporter().Run(workspace.Options());
        using var temp = new TempDirectory();
        File.Copy(exported.ModelPath, temp.File("model.onnx"));
        File.WriteAllText(temp.File(ModelFiles.LabelsFileName), "a\nb\nc\n");

        using var classifier = EdgeClassifier.Open(ModelFiles.FindModel(temp.Path));

        Assert.That(classifier.Labels, Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(classifier.SampleShape, Is.EqualTo(new long[] { 2, 2 }));
    }

    [Test]
    public void LabelsThatDoNotMatchTheModelAreRefusedNamingTheFile()
    {
        using var workspace = new ExportWorkspace();
        var exported = new Exporter().Run(workspace.Options());
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("labels.txt"), "only\ntwo\n");

        var error = Assert.Throws<EdgeException>(() => EdgeClassifier.Open(exported.ModelPath, temp.File("labels.txt")));
        Assert.That(error!.Message, Does.Contain(temp.File("labels.txt")).And.Contain("2 labels").And.Contain("3 classes"));
    }

    [Test]
    public void AFolderWithSeveralModelsAsksForOne()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("model.int8.ort"), "");
        File.WriteAllText(temp.File("model.ort"), "");

        var error = Assert.Throws<EdgeException>(() => ModelFiles.FindModel(temp.Path));
        Assert.That(error!.Message, Does.Contain("model.int8.ort").And.Contain("model.ort").And.Contain("--model"));
    }

    [Test]
    public void BenchmarkReportsOrderedPercentilesAndThroughput()
    {
        using var workspace = new ExportWorkspace();
        var exported = new Exporter().Run(workspace.Options());
        using var classifier = EdgeClassifier.Open(exported.ModelPath, threads: 1);

        var bench = LatencyBenchmark.Measure(classifier, null, runs: 30, batch: 4);

        Assert.That(bench.Runs, Is.EqualTo(30));
        Assert.That(bench.P50Microseconds, Is.GreaterThan(0).And.LessThanOrEqualTo(bench.P99Microseconds));
        Assert.That(bench.SamplesPerSecond, Is.GreaterThan(0));
        Assert.That(bench.Describe(), Does.Contain("p50").And.Contain("p99").And.Contain("samples/s"));
    }
}
