using Toolchain.Data;
using Toolchain.Recipes;

namespace Toolchain.Export;

/// <summary>
/// The first samples of the trainer's validation split (same data folder, size and seed as the recipe),
/// as raw uint8 pixels with their labels; <see cref="DatasetIndices"/> says where each came from in the training file.
/// </summary>
public sealed record ValidationSamples(LabeledImages Images, int[] DatasetIndices, int ValidationSize)
{
    public static ValidationSamples Load(Recipe recipe, string recipePath, int count, long[] sampleShape)
    {
        var training = FashionMnist.LoadTraining(recipe.Data.Path);
        if (!training.SampleShape.SequenceEqual(sampleShape))
            throw new ExportException($"data folder '{recipe.Data.Path}' holds samples of shape [{string.Join(",", training.SampleShape)}], " +
                $"but the checkpoint says input_shape [{string.Join(",", sampleShape)}]");
        if (recipe.Data.ValidationSize <= 0 || recipe.Data.ValidationSize >= training.Count)
            throw new ExportException($"recipe '{recipePath}': data.validation_size must be in [1, {training.Count}) for the parity check, got {recipe.Data.ValidationSize}");
        var validation = DataSplit.Random(training.Count, recipe.Data.ValidationSize, recipe.Data.SplitSeed).Validation;
        var chosen = validation[..Math.Min(count, validation.Length)];
        return new ValidationSamples(training.Subset(chosen), chosen, validation.Length);
    }
}
