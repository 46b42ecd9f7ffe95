using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Export;

namespace Toolchain.Tests.Export;

/// <summary>The published model, fed raw pixels, computes what the trainer's eval graph computes from normalised floats.</summary>
public sealed class ExportedModelReproducesEvalGraphTests
{
    [Test]
    public void LogitsProbabilitiesAndClassesMatchTheEvalGraphOnEveryValidationSample()
    {
        using var workspace = new ExportWorkspace();
        var result = new Exporter().Run(workspace.Options());

        var checkpoint = Checkpoint.Load(workspace.EpochCheckpointPath(2));
        var images = workspace.ValidationImages();
        float mean = checkpoint.Tensors[Normalization.MeanTensorName].Data[0];
        float std = checkpoint.Tensors[Normalization.StdTensorName].Data[0];
        var normalized = images.Pixels.Select(p => ((float)p - mean) / std).ToArray();
        var evalInputs = new Dictionary<string, OrtValue>
        {
            ["input"] = OrtValue.CreateTensorValueFromMemory(normalized, [images.Count, 2, 2]),
            ["labels"] = OrtValue.CreateTensorValueFromMemory(images.Labels.Select(l => (long)l).ToArray(), [images.Count]),
            ["fc.weight"] = OrtValue.CreateTensorValueFromMemory(checkpoint.Tensors["fc.weight"].Data, [3, 4]),
            ["fc.bias"] = OrtValue.CreateTensorValueFromMemory(checkpoint.Tensors["fc.bias"].Data, [3]),
        };
        var expected = OrtRun.Run(workspace.EvalModelPath, evalInputs, "logits")["logits"].Floats!;

        var actual = OrtRun.Run(workspace.PublishedModelPath(result.Version),
            new Dictionary<string, OrtValue> { ["pixels"] = OrtRun.Pixels(images.Pixels, images.Count) },
            "logits", "probabilities", "class_index");

        var logits = actual["logits"].Floats!;
        Assert.That(logits, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
            Assert.That(logits[i], Is.EqualTo(expected[i]).Within(1e-5), $"logit {i}");
        for (int n = 0; n < images.Count; n++)
        {
            var row = expected.AsSpan(n * 3, 3).ToArray();
            Assert.That(actual["class_index"].Longs![n], Is.EqualTo(Array.IndexOf(row, row.Max())), $"class of sample {n}");
            var exp = row.Select(v => Math.Exp(v - row.Max())).ToArray();
            for (int c = 0; c < 3; c++)
                Assert.That(actual["probabilities"].Floats![n * 3 + c], Is.EqualTo(exp[c] / exp.Sum()).Within(1e-6), $"probability {c} of sample {n}");
        }

        Assert.That(result.Parity.Samples, Is.EqualTo(ExportWorkspace.ValidationSize));
        Assert.That(result.Parity.MaxAbsLogitDiff, Is.LessThanOrEqualTo(ParityResult.Tolerance));
        Assert.That(result.Parity.Agreement, Is.EqualTo(1.0));
        var correct = Enumerable.Range(0, images.Count).Count(n => actual["class_index"].Longs![n] == images.Labels[n]);
        Assert.That(result.Parity.Accuracy, Is.EqualTo((double)correct / images.Count));
    }
}
