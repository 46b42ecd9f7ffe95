using Toolchain.Data;
using Toolchain.Recipes;

namespace Toolchain.Train.Training;

/// <summary>
/// The training and validation splits as normalised float features, with labels kept as floats
/// (class indices are exact in float32) and the normalisation statistics of the training split.
/// The held-out test split is never loaded here.
/// </summary>
public sealed class TrainingData
{
    public required long[] SampleShape { get; init; }
    public required float[] TrainFeatures { get; init; }
    public required float[] TrainLabels { get; init; }
    public required float[] ValidationFeatures { get; init; }
    public required float[] ValidationLabels { get; init; }
    public required float Mean { get; init; }
    public required float Std { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }

    public int SampleSize => (int)SampleShape.Aggregate(1L, (a, b) => a * b);
    public int TrainCount => TrainLabels.Length;
    public int ValidationCount => ValidationLabels.Length;

    public static TrainingData Load(Recipe recipe)
    {
        if (recipe.Data.Dataset != "fashion-mnist")
            throw new RecipeException($"data.dataset: expected fashion-mnist, got '{recipe.Data.Dataset}'");
        var all = FashionMnist.LoadTraining(recipe.Data.Path);
        if (recipe.Data.ValidationSize >= all.Count)
            throw new RecipeException($"data.validation_size: expected fewer than the {all.Count} training images, got {recipe.Data.ValidationSize}");
        var split = DataSplit.Random(all.Count, recipe.Data.ValidationSize, recipe.Data.SplitSeed);
        var classNames = recipe.Data.Labels.Count > 0 ? recipe.Data.Labels : FashionMnist.ClassNames;
        return FromImages(all.Subset(split.Training), all.Subset(split.Validation), recipe.Data.Normalize == "standard", classNames);
    }

    public static TrainingData FromImages(LabeledImages train, LabeledImages validation, bool standardize, IReadOnlyList<string> classNames)
    {
        var (mean, std) = standardize ? Statistics(train.Pixels) : (0f, 1f);
        return new TrainingData
        {
            SampleShape = train.SampleShape,
            TrainFeatures = Normalize(train.Pixels, mean, std),
            TrainLabels = train.Labels.Select(l => (float)l).ToArray(),
            ValidationFeatures = Normalize(validation.Pixels, mean, std),
            ValidationLabels = validation.Labels.Select(l => (float)l).ToArray(),
            Mean = mean,
            Std = std,
            ClassNames = classNames,
        };
    }

    private static (float Mean, float Std) Statistics(byte[] pixels)
    {
        double sum = 0, squares = 0;
        foreach (var p in pixels) { sum += p; squares += (double)p * p; }
        double mean = sum / pixels.Length;
        double variance = squares / pixels.Length - mean * mean;
        return ((float)mean, (float)Math.Sqrt(Math.Max(variance, 1e-12)));
    }

    private static float[] Normalize(byte[] pixels, float mean, float std)
    {
        var result = new float[pixels.Length];
        float scale = 1f / std;
        for (int k = 0; k < pixels.Length; k++) result[k] = (pixels[k] - mean) * scale;
        return result;
    }
}
