using System.Security.Cryptography;
using System.Text.Json;
using NUnit.Framework;
using Toolchain.Export;
using Toolchain.Export.Variants;
using Toolchain.Onnx;
using Toolchain.Tests.Export;

namespace Toolchain.Tests.Edge;

/// <summary>
/// Export with variants: every file lands in the version folder with figures that an independent run
/// reproduces, variants.json lists them, the default export is unchanged, and a failure publishes nothing.
/// </summary>
[NonParallelizable]
public sealed class VariantExportTests
{
    private static readonly ModelVariant[] AllVariants = [ModelVariant.Fp32, ModelVariant.Int8, ModelVariant.Fp16];

    [Test]
    public void VariantsJsonListsEveryFileWithFiguresAnIndependentRunReproduces()
    {
        using var workspace = new ExportWorkspace();
        var test = HeldOutFiles.Write(workspace);

        var result = new Exporter().Run(workspace.Options() with { Variants = AllVariants });

        var folder = Path.GetDirectoryName(result.ModelPath)!;
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, VariantsManifest.FileName)));
        var root = manifest.RootElement;
        Assert.That(root.GetProperty("model").GetString(), Is.EqualTo(ExportWorkspace.Model));
        Assert.That(root.GetProperty("version").GetInt64(), Is.EqualTo(1));
        Assert.That(root.GetProperty("test_set").GetProperty("samples").GetInt32(), Is.EqualTo(HeldOutFiles.Count));
        Assert.That(root.GetProperty("validation_samples").GetInt32(), Is.EqualTo(ExportWorkspace.ValidationSize));
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.That(files.Select(f => f.GetProperty("file").GetString()),
            Is.EqualTo(new[] { "model.onnx", "model.ort", "model.int8.onnx", "model.int8.ort", "model.fp16.onnx", "model.fp16.ort" }));
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Order(),
            Is.EqualTo(files.Select(f => f.GetProperty("file").GetString()).Append(VariantsManifest.FileName).Order()));

        foreach (var file in files)
        {
            var path = Path.Combine(folder, file.GetProperty("file").GetString()!);
            Assert.That(file.GetProperty("bytes").GetInt64(), Is.EqualTo(new FileInfo(path).Length), path);
            Assert.That(file.GetProperty("sha256").GetString(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))), path);
            var classes = OrtRun.Run(path, new Dictionary<string, Microsoft.ML.OnnxRuntime.OrtValue> { ["pixels"] = OrtRun.Pixels(test.Pixels, test.Count) }, "class_index")["class_index"].Longs!;
            double accuracy = classes.Zip(test.Labels).Count(p => p.First == p.Second) / (double)test.Count;
            Assert.That(file.GetProperty("test_accuracy").GetDouble(), Is.EqualTo(accuracy), path);
            Assert.That(file.GetProperty("validation_agreement").GetDouble(), Is.GreaterThanOrEqualTo(VariantAgreement.MinAgreement), path);
        }
        Assert.That(result.Variants, Has.Count.EqualTo(6));
    }

    [Test]
    public void VariantFilesCarryTheirFiguresInTheirMetadata()
    {
        using var workspace = new ExportWorkspace();
        HeldOutFiles.Write(workspace);

        var result = new Exporter().Run(workspace.Options() with { Variants = AllVariants });

        var int8 = result.Variants!.Single(v => v.FileName == "model.int8.onnx");
        var metadata = OnnxModelFile.Load(Path.Combine(Path.GetDirectoryName(result.ModelPath)!, "model.int8.onnx"))
            .MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.That(metadata["variant"], Is.EqualTo("int8"));
        Assert.That(metadata["format"], Is.EqualTo("onnx"));
        Assert.That(metadata["test_accuracy"], Is.EqualTo(int8.TestAccuracy.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(metadata["test_samples"], Is.EqualTo(HeldOutFiles.Count.ToString()));
        Assert.That(metadata["model"], Is.EqualTo(ExportWorkspace.Model), "the fp32 model's metadata is kept");
        Assert.That(OnnxModelFile.Load(result.ModelPath).MetadataProps.Select(p => p.Key), Does.Not.Contain("variant"), "model.onnx is left as the parity gate checked it");
    }

    [Test]
    public void TheDefaultExportWritesOnlyTheFp32Model()
    {
        using var workspace = new ExportWorkspace();

        var result = new Exporter().Run(workspace.Options());

        Assert.That(result.Variants, Is.Null);
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(result.ModelPath)!).Select(Path.GetFileName), Is.EqualTo(new[] { "model.onnx" }));
    }

    [Test]
    public void WithoutTheTestSplitNothingIsPublished()
    {
        using var workspace = new ExportWorkspace();
        var before = workspace.RepositorySnapshot();

        var error = Assert.Throws<Toolchain.Data.DataFormatException>(() => new Exporter().Run(workspace.Options() with { Variants = AllVariants }));

        Assert.That(error!.Message, Does.Contain("t10k-images-idx3-ubyte"));
        Assert.That(workspace.RepositorySnapshot(), Is.EqualTo(before));
        Assert.That(Directory.EnumerateDirectories(workspace.ModelDirectory), Is.Empty);
    }

    [Test]
    public void AVariantListWithoutFp32IsRefusedNamingTheOption()
    {
        var variants = ModelVariant.ParseList("int8 fp16", out var problems);
        Assert.That(problems.Single(), Does.StartWith("--variants:").And.Contain("fp32"));
        ModelVariant.ParseList("fp32 int4", out problems);
        Assert.That(problems.Single(), Does.Contain("unknown variant 'int4'"));
        Assert.That(ModelVariant.ParseList("fp16,fp32 int8", out _), Is.EqualTo(AllVariants));
    }
}
