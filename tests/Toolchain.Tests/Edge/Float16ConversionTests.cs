using NUnit.Framework;
using Toolchain.Export;
using Toolchain.Export.Variants;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Edge;

/// <summary>The fp16 variant: float16 between the normalised input and logits, float32 at the boundaries.</summary>
public sealed class Float16ConversionTests
{
    [Test]
    public void Fp16ModelStaysCloseToFp32AndHalvesTheWeights()
    {
        using var temp = new TempDirectory();
        var fp32 = SmallClassifier.Build();
        var fp16 = Float16Conversion.Apply(fp32, "input", "logits", "small");
        OnnxModelFile.Save(fp32, temp.File("fp32.onnx"));
        OnnxModelFile.Save(fp16, temp.File("fp16.onnx"));
        var pixels = SmallClassifier.RandomPixels(64, seed: 6);

        var (reference, referenceClasses) = SmallClassifier.Run(temp.File("fp32.onnx"), pixels, 64);
        var (half, halfClasses) = SmallClassifier.Run(temp.File("fp16.onnx"), pixels, 64);

        Assert.That(SmallClassifier.MaxAbsDiff(reference, half), Is.LessThan(0.02));
        Assert.That(halfClasses.Zip(referenceClasses).Count(p => p.First == p.Second), Is.GreaterThanOrEqualTo(63));
        long WeightBytes(Toolchain.Onnx.Proto.ModelProto m, params string[] names) => m.Graph.Initializer.Where(i => names.Contains(i.Name)).Sum(i => (long)i.RawData.Length);
        Assert.That(WeightBytes(fp16, "fc1.weight.fp16", "fc2.weight.fp16") * 2, Is.EqualTo(WeightBytes(fp32, "fc1.weight", "fc2.weight")));
        Assert.That(new FileInfo(temp.File("fp16.onnx")).Length, Is.LessThan(new FileInfo(temp.File("fp32.onnx")).Length * 0.7));
    }

    [Test]
    public void WeightsBecomeFloat16WhileNormalisationAndInterfaceStayAsTheyWere()
    {
        var fp16 = Float16Conversion.Apply(SmallClassifier.Build(), "input", "logits", "small");

        var types = fp16.Graph.Initializer.ToDictionary(i => i.Name, i => (ElementType)i.DataType);
        Assert.That(types["fc1.weight.fp16"], Is.EqualTo(ElementType.Float16));
        Assert.That(types["fc2.weight.fp16"], Is.EqualTo(ElementType.Float16));
        Assert.That(types.Keys, Does.Not.Contain("fc1.weight"));
        Assert.That(types["normalization/mean"], Is.EqualTo(ElementType.Float));
        Assert.That(types["normalization/std"], Is.EqualTo(ElementType.Float));
        Assert.That(fp16.Graph.Input.Single().Type.TensorType.ElemType, Is.EqualTo((int)ElementType.UInt8));
        Assert.That(fp16.Graph.Output.Select(o => (o.Name, (ElementType)o.Type.TensorType.ElemType)),
            Is.EqualTo(new[] { ("logits", ElementType.Float), ("probabilities", ElementType.Float), ("class_index", ElementType.Int64) }));
        var casts = fp16.Graph.Node.Where(n => n.OpType == "Cast").Select(n => (n.Input[0], Attributes.Int(n, "to", 0))).ToList();
        Assert.That(casts, Does.Contain(("input", (long)ElementType.Float16)).And.Contain(("logits.fp16", (long)ElementType.Float)));
    }

    [Test]
    public void AnOpWithoutAFloat16RuleIsRefusedNamingTheNode()
    {
        var b = new GraphBuilder("unknown-op");
        var x = b.Input("input", ElementType.Float, Dim.Named("N"), 3);
        b.Output(b.Op("Sin", x), "logits");

        var error = Assert.Throws<ExportException>(() => Float16Conversion.Apply(b.ToModel(), "input", "logits", "odd.onnx"));
        Assert.That(error!.Message, Does.Contain("odd.onnx").And.Contain("Sin_node").And.Contain("no float16 rule"));
    }
}
