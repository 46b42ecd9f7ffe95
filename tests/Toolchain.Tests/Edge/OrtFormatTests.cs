using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using Toolchain.Export.Variants;
using Toolchain.Onnx;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Edge;

/// <summary>ORT format files, written by ONNX Runtime itself, load and compute what their ONNX source computes.</summary>
public sealed class OrtFormatTests
{
    [TestCase("fp32")]
    [TestCase("int8")]
    [TestCase("fp16")]
    public void OrtFileLoadsAndGivesTheSameOutputsAsItsOnnxSource(string variant)
    {
        using var temp = new TempDirectory();
        var model = SmallClassifier.Build();
        model = variant switch
        {
            "int8" => Int8WeightQuantization.Apply(model, "small").Model,
            "fp16" => Float16Conversion.Apply(model, "input", "logits", "small"),
            _ => model,
        };
        OnnxModelFile.Save(model, temp.File("model.onnx"));
        OrtFormat.Write(model.ToByteArray(), temp.File("model.ort"), "small model");
        var pixels = SmallClassifier.RandomPixels(32, seed: 7);

        var (onnxLogits, onnxClasses) = SmallClassifier.Run(temp.File("model.onnx"), pixels, 32);
        var (ortLogits, ortClasses) = SmallClassifier.Run(temp.File("model.ort"), pixels, 32);

        Assert.That(File.ReadAllBytes(temp.File("model.ort")).AsSpan(4, 4).ToArray(), Is.EqualTo("ORTM"u8.ToArray()), "ORT format file identifier");
        Assert.That(ortClasses, Is.EqualTo(onnxClasses));
        Assert.That(SmallClassifier.MaxAbsDiff(onnxLogits, ortLogits), Is.LessThan(1e-4));
        using var session = new InferenceSession(temp.File("model.ort"));
        Assert.That(session.ModelMetadata.CustomMetadataMap["model"], Is.EqualTo("small-classifier"));
    }
}
