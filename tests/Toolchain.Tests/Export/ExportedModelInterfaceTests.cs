using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using Toolchain.Export;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Tests.Export;

/// <summary>The published model takes only raw pixels, has a dynamic batch, and describes itself.</summary>
public sealed class ExportedModelInterfaceTests
{
    private ExportWorkspace workspace = null!;
    private ExportResult result = null!;

    [OneTimeSetUp]
    public void Export()
    {
        workspace = new ExportWorkspace();
        result = new Exporter().Run(workspace.Options());
    }

    [OneTimeTearDown]
    public void Clean() => workspace.Dispose();

    [Test]
    public void OnlyInputIsUint8PixelsWithSymbolicBatch()
    {
        var graph = OnnxModelFile.Load(result.ModelPath).Graph;
        Assert.That(graph.Input.Select(i => i.Name), Is.EqualTo(new[] { "pixels" }));
        var pixels = graph.Input[0].Type.TensorType;
        Assert.That(pixels.ElemType, Is.EqualTo((int)ElementType.UInt8));
        Assert.That(Dims(pixels), Is.EqualTo(new[] { "N", "2", "2" }));
        var names = graph.Node.SelectMany(n => n.Input).Concat(graph.Initializer.Select(i => i.Name)).ToHashSet();
        Assert.That(names, Does.Not.Contain("labels"));
        Assert.That(graph.Node.Select(n => n.OpType), Does.Not.Contain("NegativeLogLikelihoodLoss").And.Not.Contain("LogSoftmax"));
        Assert.That(graph.Initializer.Select(i => i.Name), Is.SupersetOf(new[] { "fc.weight", "fc.bias" }));
    }

    [Test]
    public void OutputsAreLogitsProbabilitiesAndClassIndex()
    {
        var graph = OnnxModelFile.Load(result.ModelPath).Graph;
        var outputs = graph.Output.ToDictionary(o => o.Name, o => o.Type.TensorType);
        Assert.That(outputs.Keys, Is.EqualTo(new[] { "logits", "probabilities", "class_index" }));
        Assert.That(Dims(outputs["logits"]), Is.EqualTo(new[] { "N", "3" }));
        Assert.That(Dims(outputs["probabilities"]), Is.EqualTo(new[] { "N", "3" }));
        Assert.That(Dims(outputs["class_index"]), Is.EqualTo(new[] { "N" }));
        Assert.That(outputs["class_index"].ElemType, Is.EqualTo((int)ElementType.Int64));
    }

    [TestCase(1)]
    [TestCase(7)]
    public void AcceptsBatchesOfAnySize(int batch)
    {
        var pixels = new byte[batch * 4];
        new Random(batch).NextBytes(pixels);
        var outputs = OrtRun.Run(result.ModelPath, new Dictionary<string, OrtValue> { ["pixels"] = OrtRun.Pixels(pixels, batch) },
            "logits", "probabilities", "class_index");
        Assert.That(outputs["logits"].Shape, Is.EqualTo(new long[] { batch, 3 }));
        Assert.That(outputs["probabilities"].Shape, Is.EqualTo(new long[] { batch, 3 }));
        Assert.That(outputs["class_index"].Shape, Is.EqualTo(new long[] { batch }));
        for (int n = 0; n < batch; n++)
            Assert.That(outputs["probabilities"].Floats!.Skip(n * 3).Take(3).Sum(), Is.EqualTo(1f).Within(1e-5));
    }

    [Test]
    public void ModelCarriesOpsetVersionAndProvenance()
    {
        var model = OnnxModelFile.Load(result.ModelPath);
        Assert.That(model.IrVersion, Is.EqualTo(GraphBuilder.IrVersion));
        Assert.That(model.OpsetImport.Single(o => o.Domain == "").Version, Is.EqualTo(GraphBuilder.OpsetVersion));
        Assert.That(model.ModelVersion, Is.EqualTo(1));
        var metadata = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.That(metadata["model"], Is.EqualTo(ExportWorkspace.Model));
        Assert.That(metadata["version"], Is.EqualTo("1"));
        Assert.That(JsonSerializer.Deserialize<string[]>(metadata["labels"]), Is.EqualTo(ExportWorkspace.Labels));
        Assert.That(metadata["source_checkpoint"], Is.EqualTo(workspace.EpochCheckpointPath(2)));
        Assert.That(metadata["source_checkpoint_sha256"], Is.EqualTo(Sha256(workspace.EpochCheckpointPath(2))));
        Assert.That(metadata["source_epoch"], Is.EqualTo("2"));
        Assert.That(JsonDocument.Parse(metadata["metrics"]).RootElement.GetProperty("val_accuracy").GetDouble(), Is.EqualTo(0.5));
        Assert.That(DateTimeOffset.Parse(metadata["exported_at"]), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(5)));
        Assert.That(metadata["toolchain_version"], Does.StartWith("0."));
    }

    [Test]
    public void RepositoryHasTritonConfigAndLabels()
    {
        var config = File.ReadAllText(Path.Combine(workspace.ModelDirectory, "config.pbtxt"));
        Assert.That(config, Does.Contain($"name: \"{ExportWorkspace.Model}\"").And.Contain("platform: \"onnxruntime_onnx\"").And.Contain("max_batch_size: 1024"));
        Assert.That(config, Does.Contain("name: \"pixels\"\n    data_type: TYPE_UINT8\n    dims: [ 2, 2 ]"));
        Assert.That(config, Does.Contain("name: \"logits\"\n    data_type: TYPE_FP32\n    dims: [ 3 ]\n    label_filename: \"labels.txt\""));
        Assert.That(config, Does.Contain("name: \"class_index\"\n    data_type: TYPE_INT64\n    dims: [ 1 ]\n    reshape: { shape: [ ] }"));
        Assert.That(File.ReadAllLines(Path.Combine(workspace.ModelDirectory, "labels.txt")), Is.EqualTo(ExportWorkspace.Labels));
        var served = Toolchain.Serve.Repository.TritonConfig.Read(Path.Combine(workspace.ModelDirectory, "config.pbtxt"));
        Assert.That(served.Batching, Is.Not.Null, "the server reads export's dynamic_batching block");
        Assert.That(served.Batching!.MaxQueueDelay, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void ExportReportRecordsTheFigures()
    {
        using var report = JsonDocument.Parse(File.ReadAllText(workspace.ExportReportPath));
        var root = report.RootElement;
        Assert.That(root.GetProperty("version").GetInt64(), Is.EqualTo(1));
        Assert.That(root.GetProperty("model_bytes").GetInt64(), Is.EqualTo(new FileInfo(result.ModelPath).Length));
        Assert.That(root.GetProperty("parity").GetProperty("samples").GetInt32(), Is.EqualTo(ExportWorkspace.ValidationSize));
        Assert.That(root.GetProperty("parity").GetProperty("max_abs_logit_diff").GetDouble(), Is.LessThanOrEqualTo(1e-5));
        Assert.That(root.GetProperty("parity").GetProperty("prediction_agreement").GetDouble(), Is.EqualTo(1.0));
        Assert.That(root.GetProperty("parity").GetProperty("served_agreeing_predictions").GetInt32(), Is.EqualTo(ExportWorkspace.ValidationSize));
        Assert.That(root.GetProperty("parity").GetProperty("served_max_abs_logit_diff").GetDouble(), Is.LessThanOrEqualTo(1e-4));
        Assert.That(root.GetProperty("validation_accuracy").GetDouble(), Is.EqualTo(result.Parity.Accuracy));
    }

    private static string[] Dims(TypeProto.Types.Tensor tensor) =>
        tensor.Shape.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString()).ToArray();

    private static string Sha256(string path) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
}
