using Toolchain.Data;

namespace Toolchain.Eval;

/// <summary>
/// The held-out images and labels in IDX format (MNIST layout): <c>t10k-images-idx3-ubyte.gz</c>
/// [count, rows, cols] and <c>t10k-labels-idx1-ubyte.gz</c> [count], row-major uint8 pixels.
/// </summary>
public sealed class TestSet
{
    public const string ImagesFile = "t10k-images-idx3-ubyte.gz";
    public const string LabelsFile = "t10k-labels-idx1-ubyte.gz";

    private TestSet(string directory, byte[] pixels, byte[] labels, int rows, int columns)
    {
        Directory = directory;
        Pixels = pixels;
        Labels = labels;
        Rows = rows;
        Columns = columns;
    }

    public string Directory { get; }

    /// <summary>All images, one after another, <see cref="PixelsPerImage"/> bytes each.</summary>
    public byte[] Pixels { get; }

    public byte[] Labels { get; }

    public int Rows { get; }

    public int Columns { get; }

    public int Count => Labels.Length;

    public int PixelsPerImage => Rows * Columns;

    public ReadOnlySpan<byte> Images(int start, int count) => Pixels.AsSpan(start * PixelsPerImage, count * PixelsPerImage);

    public static TestSet Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new EvalException($"data folder '{directory}' does not exist (pass --data DIR holding {ImagesFile} and {LabelsFile})");
        IdxFile images, labels;
        try
        {
            images = IdxFile.Read(Path.Combine(directory, ImagesFile));
            labels = IdxFile.Read(Path.Combine(directory, LabelsFile));
        }
        catch (DataFormatException e)
        {
            throw new EvalException(e.Message, e);
        }
        if (images.Dimensions.Length != 3)
            throw new EvalException($"'{images.Path}': expected images of shape [count, rows, cols], got [{string.Join(",", images.Dimensions)}]");
        if (labels.Dimensions.Length != 1)
            throw new EvalException($"'{labels.Path}': expected labels of shape [count], got [{string.Join(",", labels.Dimensions)}]");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new EvalException($"'{images.Path}' holds {images.Dimensions[0]} images but '{labels.Path}' holds {labels.Dimensions[0]} labels");
        return new TestSet(directory, images.Data, labels.Data, (int)images.Dimensions[1], (int)images.Dimensions[2]);
    }
}
