using NUnit.Framework;
using Toolchain.Export;
using Toolchain.Export.Variants;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Edge;

/// <summary>The int8 variant: per-output-channel int8 weights behind DequantizeLinear, close to fp32 and about 4× smaller in weights.</summary>
public sealed class Int8WeightQuantizationTests
{
    [Test]
    public void QuantisedModelStaysCloseToFp32AndIsSmaller()
    {
        using var temp = new TempDirectory();
        var fp32 = SmallClassifier.Build();
        var (int8, _) = Int8WeightQuantization.Apply(fp32, "small");
        OnnxModelFile.Save(fp32, temp.File("fp32.onnx"));
        OnnxModelFile.Save(int8, temp.File("int8.onnx"));
        var pixels = SmallClassifier.RandomPixels(64, seed: 5);

        var (reference, referenceClasses) = SmallClassifier.Run(temp.File("fp32.onnx"), pixels, 64);
        var (quantized, quantizedClasses) = SmallClassifier.Run(temp.File("int8.onnx"), pixels, 64);

        // Each weight moves by at most half a step (max|w| / 254 per channel); logits here are a few units.
        Assert.That(SmallClassifier.MaxAbsDiff(reference, quantized), Is.LessThan(0.05));
        Assert.That(quantizedClasses.Zip(referenceClasses).Count(p => p.First == p.Second), Is.GreaterThanOrEqualTo(62));
        // The weights take exactly a quarter of the bytes; the file also holds the graph, scales and biases.
        long WeightBytes(Toolchain.Onnx.Proto.ModelProto m, params string[] names) => m.Graph.Initializer.Where(i => names.Contains(i.Name)).Sum(i => (long)i.RawData.Length);
        Assert.That(WeightBytes(int8, "fc1.weight.int8", "fc2.weight.int8") * 4, Is.EqualTo(WeightBytes(fp32, "fc1.weight", "fc2.weight")));
        Assert.That(new FileInfo(temp.File("int8.onnx")).Length, Is.LessThan(new FileInfo(temp.File("fp32.onnx")).Length * 0.6));
    }

    [Test]
    public void QuantisesGemmAndMatMulWeightsAlongTheirOutputChannels()
    {
        var (int8, weights) = Int8WeightQuantization.Apply(SmallClassifier.Build(), "small");

        Assert.That(weights.Select(w => (w.Name, w.Axis)), Is.EquivalentTo(new[] { ("fc1.weight", 0), ("fc2.weight", 1) }));
        var initializers = int8.Graph.Initializer.ToDictionary(i => i.Name);
        Assert.That(initializers.Keys, Does.Not.Contain("fc1.weight").And.Not.Contain("fc2.weight"));
        Assert.That(initializers["fc1.weight.int8"].DataType, Is.EqualTo((int)ElementType.Int8));
        Assert.That(initializers["fc1.weight.scale"].Dims, Is.EqualTo(new long[] { SmallClassifier.Hidden }));
        Assert.That(initializers["fc2.weight.scale"].Dims, Is.EqualTo(new long[] { SmallClassifier.Classes }));
        Assert.That(initializers["normalization/mean"].DataType, Is.EqualTo((int)ElementType.Float));
        var dequantize = int8.Graph.Node.Where(n => n.OpType == "DequantizeLinear").ToList();
        Assert.That(dequantize.Select(n => Attributes.Int(n, "axis", -99)), Is.EquivalentTo(new long[] { 0, 1 }));
    }

    [Test]
    public void PerChannelValuesUseTheFullRangeAndRoundToTheNearestStep()
    {
        float[] data = [0.5f, -1f, 0.25f, 0f, 0f, 0f, 3f, 1.5f, -0.7f];
        var q = PerChannelInt8.Quantize(data, [3, 3], axis: 0, "w");

        Assert.That(q.Scales, Is.EqualTo(new[] { 1f / 127, 1f, 3f / 127 }).Within(1e-7));
        Assert.That(q.Values[1], Is.EqualTo(-127));
        Assert.That(q.Values[6], Is.EqualTo(127));
        Assert.That(q.Values[3..6], Is.All.EqualTo(0));
        var restored = q.Dequantize();
        for (int i = 0; i < data.Length; i++)
            Assert.That(Math.Abs(restored[i] - data[i]), Is.LessThanOrEqualTo(q.Scales[i / 3] / 2 + 1e-7), $"element {i}");
    }

    [Test]
    public void AModelWithNoWeightsToQuantiseIsRefused()
    {
        var b = new GraphBuilder("no-weights");
        var x = b.Input("input", ElementType.Float, Dim.Named("N"), 3);
        b.Output(b.Relu(x), "logits");

        var error = Assert.Throws<ExportException>(() => Int8WeightQuantization.Apply(b.ToModel(), "no-weights.onnx"));
        Assert.That(error!.Message, Does.Contain("no-weights.onnx").And.Contain("no float32 Gemm, MatMul or Conv weight"));
    }
}
