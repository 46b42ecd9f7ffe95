using Toolchain.Data;
using Toolchain.Recipes;

namespace Toolchain.Export.Variants;

/// <summary>
/// The data set's held-out t10k split, read only to measure each variant's accuracy after training —
/// evaluation, never training. Its images must have the checkpoint's sample shape.
/// </summary>
public sealed record HeldOutTestSet(LabeledImages Images, string Directory)
{
    public static HeldOutTestSet Load(Recipe recipe, long[] sampleShape)
    {
        var images = FashionMnist.LoadHeldOutTest(recipe.Data.Path);
        if (!images.SampleShape.SequenceEqual(sampleShape))
            throw new ExportException($"data folder '{recipe.Data.Path}': the t10k test images have shape [{string.Join(",", images.SampleShape)}], " +
                $"but the checkpoint says input_shape [{string.Join(",", sampleShape)}]");
        if (images.Count == 0)
            throw new ExportException($"data folder '{recipe.Data.Path}': the t10k test split holds no images, so no variant accuracy can be measured");
        return new HeldOutTestSet(images, recipe.Data.Path);
    }
}
