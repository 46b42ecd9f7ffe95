using Toolchain.Data;
using Toolchain.Recipes;
using Toolchain.Train.Training;

namespace Toolchain.Train.Data;

/// <summary>
/// Prepares a table (data.dataset csv or synthetic) for training, in this order: load; drop rows without a
/// target (and, with data.missing: drop, rows with a missing or non-numeric feature); split by ratio with
/// data.split_seed, stratified when asked; impute (mean, median) from the training split; fit the
/// per-feature scaling on the training split and apply it to every split.
/// </summary>
public static class TabularPipeline
{
    public static TrainingData Prepare(Recipe recipe, string? baseDirectory = null)
    {
        var d = recipe.Data;
        var raw = Load(d, baseDirectory);
        if (recipe.Loss.Name == "cross_entropy" && !raw.IsClassification)
            throw new RecipeException("loss.name: cross_entropy needs class labels, but data.task is regression; use mse, mae or huber");
        if (recipe.Loss.Name == "bce_with_logits" && raw.ClassNames is { Count: > 2 } names)
            throw new RecipeException($"loss.name: bce_with_logits needs 2 classes (0 and 1), but the target has {names.Count}: {string.Join(", ", names.Take(10))}");
        if (d.Split.Stratify && !raw.IsClassification)
            throw new RecipeException("data.split.stratify: needs a classification task (class labels to stratify by)");

        var (kept, noTarget, noFeature) = MissingValues.DropRows(raw, dropMissingFeatures: d.Missing == "drop");
        if (kept.Count == 0) throw new DataFormatException($"{raw.Source}: no rows are left after dropping {noTarget} without a target and {noFeature} with missing features");
        RatioSplit split;
        try { split = RatioSplit.Create(kept.Count, d.Split.Validation, d.Split.Test, d.SplitSeed, d.Split.Stratify ? kept.ClassIndices() : null); }
        catch (ArgumentOutOfRangeException e) { throw AsRecipeError(e); }
        var (train, validation, test) = (kept.Subset(split.Training), kept.Subset(split.Validation), kept.Subset(split.Test));

        var imputed = new Dictionary<string, int>();
        if (d.Missing != "drop")
        {
            var fill = MissingValues.FillValues(train, d.Missing);
            var counts = new int[kept.FeatureCount];
            foreach (var part in new[] { train, validation, test })
            {
                var c = MissingValues.Impute(part, fill);
                for (int f = 0; f < counts.Length; f++) counts[f] += c[f];
            }
            for (int f = 0; f < counts.Length; f++) if (counts[f] > 0) imputed[kept.FeatureNames[f]] = counts[f];
        }

        var scaling = FeatureScaling.FitPerFeature(train.Features, kept.FeatureCount, d.Normalize);
        foreach (var part in new[] { train, validation, test }) scaling.ApplyInPlace(part.Features);

        var report = new DataReport(d.Dataset, raw.Source, raw.IsClassification ? "classification" : "regression", raw.Count,
            noTarget + noFeature, noTarget, noFeature, raw.MissingValues, raw.NonNumericValues, d.Missing, imputed.Values.Sum(), imputed,
            kept.FeatureNames, raw.IgnoredColumns, raw.ClassNames ?? [], train.Count, validation.Count, test.Count, d.Split.Stratify,
            d.Normalize, "per feature", d.Augment);
        return new TrainingData
        {
            SampleShape = [kept.FeatureCount],
            TrainFeatures = train.Features,
            TrainLabels = train.Targets,
            ValidationFeatures = validation.Features,
            ValidationLabels = validation.Targets,
            TestFeatures = test.Features,
            TestLabels = test.Targets,
            Mean = scaling.Mean,
            Std = scaling.Std,
            ClassNames = raw.ClassNames ?? [],
            RawInputType = "float32",
            Report = report,
        };
    }

    /// <summary>The generator's and the split's argument checks name recipe keys; their messages lose the .NET parameter suffix.</summary>
    private static RecipeException AsRecipeError(ArgumentException e) =>
        new(e.Message.Split('\n')[0].Replace($" (Parameter '{e.ParamName}')", ""), e);

    private static TabularData Load(DataSection d, string? baseDirectory)
    {
        if (d.Dataset == "synthetic")
        {
            try
            {
                return SyntheticDataset.Generate(d.Generator, d.Samples, d.FeatureCount, d.Noise, d.GeneratorSeed, d.Slope, d.Intercept, d.Informative, d.Labels);
            }
            catch (ArgumentException e) { throw AsRecipeError(e); }
        }
        var path = Path.IsPathRooted(d.Path) || baseDirectory is null ? d.Path : Path.Combine(baseDirectory, d.Path);
        return CsvDataset.Load(path, d.Target ?? throw new RecipeException("data.target: expected the name of the column to predict"),
            d.Features, d.Task == "classification", d.Labels);
    }
}
