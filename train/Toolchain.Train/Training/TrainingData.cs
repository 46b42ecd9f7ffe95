using Toolchain.Data;
using Toolchain.Recipes;
using Toolchain.Train.Data;

namespace Toolchain.Train.Training;

/// <summary>
/// The training, validation and (for tables) test splits as scaled float features, with labels kept
/// as floats (class indices are exact in float32; regression targets are values) and the scaling
/// fitted on the training split: one Mean/Std for images, one per feature for tables. Fashion-MNIST's
/// held-out t10k set is never loaded here; a table's test split is held out of training and only
/// scored once at the end.
/// </summary>
public sealed class TrainingData
{
    public required long[] SampleShape { get; init; }
    public required float[] TrainFeatures { get; init; }
    public required float[] TrainLabels { get; init; }
    public required float[] ValidationFeatures { get; init; }
    public required float[] ValidationLabels { get; init; }
    public float[] TestFeatures { get; init; } = [];
    public float[] TestLabels { get; init; } = [];
    /// <summary>input = (raw − Mean) / Std; length 1 (one statistic for every value) or one per feature.</summary>
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>What the raw values are (checkpoint metadata raw_input_type): uint8 pixels or float32 table values.</summary>
    public string RawInputType { get; init; } = "uint8";
    /// <summary>What preparation did (rows dropped, values imputed, split sizes), for the log and data.json.</summary>
    public DataReport? Report { get; init; }

    public int SampleSize => (int)SampleShape.Aggregate(1L, (a, b) => a * b);
    public int TrainCount => TrainLabels.Length;
    public int ValidationCount => ValidationLabels.Length;
    public int TestCount => TestLabels.Length;

    /// <summary>The scaled value of a raw 0 (an image's background), which shifted images are padded with.</summary>
    public float ScaledZero => Mean.Length == 1 ? (0 - Mean[0]) * (1f / Std[0]) : 0f;

    /// <param name="baseDirectory">Where a relative data.path of a CSV file is resolved (the current folder when null).</param>
    public static TrainingData Load(Recipe recipe, string? baseDirectory = null) => recipe.Data.Dataset switch
    {
        "fashion-mnist" => LoadImages(recipe),
        "csv" or "synthetic" => TabularPipeline.Prepare(recipe, baseDirectory),
        _ => throw new RecipeException($"data.dataset: expected one of fashion-mnist, csv, synthetic, got '{recipe.Data.Dataset}'"),
    };

    private static TrainingData LoadImages(Recipe recipe)
    {
        var all = FashionMnist.LoadTraining(recipe.Data.Path);
        if (recipe.Data.ValidationSize >= all.Count)
            throw new RecipeException($"data.validation_size: expected fewer than the {all.Count} training images, got {recipe.Data.ValidationSize}");
        var split = DataSplit.Random(all.Count, recipe.Data.ValidationSize, recipe.Data.SplitSeed);
        var classNames = recipe.Data.Labels.Count > 0 ? recipe.Data.Labels : FashionMnist.ClassNames;
        var data = FromImages(all.Subset(split.Training), all.Subset(split.Validation), recipe.Data.Normalize, classNames);
        var report = new DataReport("fashion-mnist", recipe.Data.Path, "classification", all.Count, 0, 0, 0, 0, 0, "drop", 0,
            new Dictionary<string, int>(), [], [], classNames, data.TrainCount, data.ValidationCount, 0, false, recipe.Data.Normalize,
            "one statistic over all pixels", recipe.Data.Augment);
        return new TrainingData
        {
            SampleShape = data.SampleShape,
            TrainFeatures = data.TrainFeatures,
            TrainLabels = data.TrainLabels,
            ValidationFeatures = data.ValidationFeatures,
            ValidationLabels = data.ValidationLabels,
            Mean = data.Mean,
            Std = data.Std,
            ClassNames = data.ClassNames,
            Report = report,
        };
    }

    public static TrainingData FromImages(LabeledImages train, LabeledImages validation, bool standardize, IReadOnlyList<string> classNames) =>
        FromImages(train, validation, standardize ? "standard" : "none", classNames);

    /// <param name="normalize">standard, minmax or none: one statistic over every pixel of the training images.</param>
    public static TrainingData FromImages(LabeledImages train, LabeledImages validation, string normalize, IReadOnlyList<string> classNames)
    {
        var scaling = FeatureScaling.FitGlobal(train.Pixels, normalize);
        return new TrainingData
        {
            SampleShape = train.SampleShape,
            TrainFeatures = scaling.Apply(train.Pixels),
            TrainLabels = train.Labels.Select(l => (float)l).ToArray(),
            ValidationFeatures = scaling.Apply(validation.Pixels),
            ValidationLabels = validation.Labels.Select(l => (float)l).ToArray(),
            Mean = scaling.Mean,
            Std = scaling.Std,
            ClassNames = classNames,
        };
    }
}
