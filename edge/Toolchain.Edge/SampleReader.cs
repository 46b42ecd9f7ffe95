using System.IO.Compression;

namespace Toolchain.Edge;

/// <summary>
/// Reads samples for a model whose one sample has shape <c>sampleShape</c> (e.g. [28, 28]) from a
/// file's bytes, telling the format by content: an IDX images file [N, ...sample] (gzip or not), a PNG
/// of one sample, or raw bytes — one or more samples of exactly the sample's size, back to back.
/// </summary>
public static class SampleReader
{
    public static Samples Read(byte[] bytes, string name, long[] sampleShape)
    {
        int sampleSize = checked((int)sampleShape.Aggregate(1L, (a, b) => a * b));
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) bytes = Gunzip(bytes, name);

        if (IdxArray.LooksLike(bytes))
        {
            var idx = IdxArray.Parse(bytes, name);
            var shape = idx.Dimensions[1..];
            if (idx.Dimensions.Length < 2 || shape.Aggregate(1L, (a, b) => a * b) != sampleSize)
                throw new EdgeException($"'{name}': IDX shape [{string.Join(",", idx.Dimensions)}] is not [N,{string.Join(",", sampleShape)}] samples");
            return new Samples(idx.Data, checked((int)idx.Dimensions[0]), name);
        }
        if (PngImage.LooksLike(bytes))
        {
            var (gray, width, height) = PngImage.DecodeGray(bytes, name);
            if (sampleShape.Length != 2 || sampleShape[0] != height || sampleShape[1] != width)
                throw new EdgeException($"'{name}': PNG is {width}×{height}, the model takes samples of shape [{string.Join(",", sampleShape)}]");
            return new Samples(gray, 1, name);
        }
        if (bytes.Length == 0 || bytes.Length % sampleSize != 0)
            throw new EdgeException($"'{name}': {bytes.Length} bytes is neither an IDX images file, a PNG, nor raw samples of {sampleSize} bytes each");
        return new Samples(bytes, bytes.Length / sampleSize, name);
    }

    /// <summary>IDX labels [N] (gzip or not), as for the t10k-labels file.</summary>
    public static byte[] ReadLabels(byte[] bytes, string name)
    {
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) bytes = Gunzip(bytes, name);
        var idx = IdxArray.Parse(bytes, name);
        if (idx.Dimensions.Length != 1) throw new EdgeException($"'{name}': expected IDX labels of shape [N], got [{string.Join(",", idx.Dimensions)}]");
        return idx.Data;
    }

    private static byte[] Gunzip(byte[] bytes, string name)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new EdgeException($"'{name}' starts like gzip but is not a valid gzip stream: {e.Message}", e);
        }
    }
}
