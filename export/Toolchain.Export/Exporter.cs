using Toolchain.Export.Variants;
using Toolchain.Files;
using Toolchain.Onnx;
using Toolchain.Recipes;

namespace Toolchain.Export;

/// <summary>
/// Turns one checkpoint of a training run into a verified inference model in the model repository:
/// read and match the checkpoint to the eval graph, build the inference graph in a staging folder,
/// check it against the eval graph on validation samples, and only then publish the next version.
/// Any failure throws with the file at fault named and leaves the repository as it was.
/// </summary>
public sealed class Exporter(TimeProvider clock)
{
    public Exporter() : this(TimeProvider.System) { }

    /// <summary>
    /// The normalisation baked into the exported graph, given the checkpoint's. The identity, except in
    /// tests that prove a graph which disagrees with the eval graph is never published.
    /// </summary>
    internal Func<Normalization, Normalization> NormalizationToBake { get; init; } = n => n;

    public ExportResult Run(ExportOptions options)
    {
        var problems = options.Problems();
        if (problems.Count > 0) throw new ExportException(string.Join("\n", problems));

        var recipePath = RecipeLoader.PathFor(options.ModelsDirectory, options.Model);
        var recipe = RecipeLoader.Load(recipePath);
        var run = new TrainingRun(options.RunsDirectory, options.Model);
        var checkpoint = TrainedCheckpoint.Load(
            run.ChooseCheckpoint(options.CheckpointPath, options.UseBest), options.Model, normalizationRequired: recipe.Data.Normalize != "none");
        var eval = EvalGraph.Load(run.EvalModelPath);
        eval.ExpectSampleShape(checkpoint.SampleShape, checkpoint.Path);
        eval.ExpectClasses(checkpoint.Labels.Count, checkpoint.Path);
        var parameters = BoundParameters.Bind(eval, checkpoint);
        var samples = ValidationSamples.Load(recipe, recipePath, options.ParitySamples, checkpoint.SampleShape);

        var repository = new ModelRepositoryFolder(options.ModelsDirectory, options.Model);
        var version = repository.NextVersion();
        var exportedAt = clock.GetUtcNow();
        using var staged = repository.Stage(version);
        var model = InferenceModel.Build(
            options.Model, eval, parameters, NormalizationToBake(checkpoint.Normalization), checkpoint.SampleShape,
            checkpoint.Labels.Count, version, ModelMetadata.For(options.Model, version, checkpoint, exportedAt),
            $"{options.Model} version {version}, exported from {checkpoint.Path}");
        OnnxModelFile.Save(model, staged.ModelPath);

        var parity = ParityCheck.Run(eval, parameters, staged.ModelPath, samples, checkpoint.Normalization, checkpoint.Labels.Count);
        if (!parity.Passed) throw new ExportException(parity.FailureMessage(eval.Path, checkpoint.Labels));
        var variants = options.WritesVariants
            ? VariantExport.Run(options.Variants, model, staged, options.Model, samples.Images, HeldOutTestSet.Load(recipe, checkpoint.SampleShape), checkpoint.Labels.Count)
            : null;

        AtomicFile.WriteAllText(staged.ConfigPath, TritonModelConfig.Render(options.Model, checkpoint.SampleShape, checkpoint.Labels.Count));
        AtomicFile.WriteAllText(staged.LabelsPath, string.Join("\n", checkpoint.Labels) + "\n");
        var modelBytes = new FileInfo(staged.ModelPath).Length;
        staged.Publish();

        var result = new ExportResult(options.Model, version, staged.PublishedModelPath, modelBytes, checkpoint.Path, checkpoint.Sha256,
            checkpoint.MetricsJson, samples.ValidationSize, parity, exportedAt, run.ExportReportPath) { Variants = variants };
        ExportReport.Write(result.ReportPath, result);
        return result;
    }
}
