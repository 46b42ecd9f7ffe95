using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Export;
using Toolchain.Onnx;

namespace Toolchain.Tests.Export;

/// <summary>
/// Dropout is dropped and BatchNormalization uses the checkpoint's running statistics: the exported model
/// matches a plain C# evaluation of the network, and the eval graph's training-mode settings are gone.
/// </summary>
public sealed class InferenceModeTests
{
    [Test]
    public void BatchNormUsesRunningStatisticsAndDropoutIsIdentity()
    {
        using var workspace = new ExportWorkspace(EvalGraphKind.BatchNormDropout);
        var result = new Exporter().Run(workspace.Options());
        var checkpoint = Checkpoint.Load(workspace.EpochCheckpointPath(2));
        var images = workspace.ValidationImages();

        var actual = OrtRun.Run(result.ModelPath, new Dictionary<string, OrtValue> { ["pixels"] = OrtRun.Pixels(images.Pixels, images.Count) }, "logits");

        var logits = actual["logits"].Floats!;
        for (int n = 0; n < images.Count; n++)
        {
            var expected = Reference(checkpoint, images.Sample(n));
            for (int c = 0; c < 3; c++)
                Assert.That(logits[n * 3 + c], Is.EqualTo(expected[c]).Within(1e-4), $"logit {c} of sample {n}");
        }
        Assert.That(result.Parity.MaxAbsLogitDiff, Is.LessThanOrEqualTo(ParityResult.Tolerance));

        var graph = OnnxModelFile.Load(result.ModelPath).Graph;
        Assert.That(graph.Node.Select(n => n.OpType), Does.Not.Contain("Dropout"));
        var batchNorm = graph.Node.Single(n => n.OpType == "BatchNormalization");
        Assert.That(batchNorm.Output, Has.Count.EqualTo(1));
        Assert.That(batchNorm.Attribute.Select(a => a.Name), Does.Not.Contain("training_mode"));
    }

    /// <summary>The network written out by hand: normalise, Gemm, BatchNorm with running statistics, Relu, Gemm.</summary>
    private static double[] Reference(Checkpoint checkpoint, ReadOnlySpan<byte> pixels)
    {
        float[] T(string name) => checkpoint.Tensors[name].Data;
        var x = new double[4];
        for (int i = 0; i < 4; i++) x[i] = (pixels[i] - T(Normalization.MeanTensorName)[i]) / T(Normalization.StdTensorName)[i];
        var h = new double[4];
        for (int j = 0; j < 4; j++)
        {
            double sum = T("fc1.bias")[j];
            for (int i = 0; i < 4; i++) sum += T("fc1.weight")[j * 4 + i] * x[i];
            var normalized = (sum - T("bn.running_mean")[j]) / Math.Sqrt(T("bn.running_var")[j] + ToyEvalGraphs.BatchNormEpsilon);
            h[j] = Math.Max(0, normalized * T("bn.weight")[j] + T("bn.bias")[j]);
        }
        var logits = new double[3];
        for (int c = 0; c < 3; c++)
        {
            logits[c] = T("fc2.bias")[c];
            for (int j = 0; j < 4; j++) logits[c] += T("fc2.weight")[c * 4 + j] * h[j];
        }
        return logits;
    }
}
