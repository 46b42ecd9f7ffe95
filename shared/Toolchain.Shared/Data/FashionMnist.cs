namespace Toolchain.Data;

/// <summary>
/// Fashion-MNIST (or any MNIST-layout data set) in IDX files: train-* for training and validation,
/// t10k-* for the held-out test set, which training never reads.
/// </summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static LabeledImages LoadTraining(string directory) => Load(directory, "train");

    public static LabeledImages LoadHeldOutTest(string directory) => Load(directory, "t10k");

    private static LabeledImages Load(string directory, string prefix)
    {
        if (!Directory.Exists(directory))
            throw new DataFormatException($"data folder '{directory}' does not exist (run 'make setup' to install Debian's dataset-fashion-mnist)");
        var images = IdxFile.Read(Find(directory, $"{prefix}-images-idx3-ubyte"));
        var labels = IdxFile.Read(Find(directory, $"{prefix}-labels-idx1-ubyte"));
        if (images.Dimensions.Length != 3)
            throw new DataFormatException($"IDX file '{images.Path}': expected images of shape [N,rows,cols], got [{string.Join(",", images.Dimensions)}]");
        if (labels.Dimensions.Length != 1)
            throw new DataFormatException($"IDX file '{labels.Path}': expected labels of shape [N], got [{string.Join(",", labels.Dimensions)}]");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DataFormatException($"'{images.Path}' holds {images.Dimensions[0]} images but '{labels.Path}' holds {labels.Dimensions[0]} labels");
        return new LabeledImages(images.Data, labels.Data, images.Dimensions[1..]);
    }

    private static string Find(string directory, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new DataFormatException($"data folder '{directory}' has no '{stem}.gz' or '{stem}'");
    }
}
