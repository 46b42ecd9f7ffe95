using Toolchain.Data;
using Toolchain.Tests.Export;

namespace Toolchain.Tests.Edge;

/// <summary>Writes a toy t10k split (random 2×2 images, three classes) into an export workspace's data folder.</summary>
internal static class HeldOutFiles
{
    public const int Count = 40;

    public static LabeledImages Write(ExportWorkspace workspace, int seed = 21)
    {
        var random = new Random(seed);
        var pixels = new byte[Count * 4];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, Count).Select(_ => (byte)random.Next(ExportWorkspace.Labels.Length)).ToArray();
        IdxFile.Write(Path.Combine(workspace.DataDirectory, "t10k-images-idx3-ubyte"), [Count, .. ExportWorkspace.SampleShape], pixels);
        IdxFile.Write(Path.Combine(workspace.DataDirectory, "t10k-labels-idx1-ubyte"), [Count], labels);
        return new LabeledImages(pixels, labels, ExportWorkspace.SampleShape);
    }
}
