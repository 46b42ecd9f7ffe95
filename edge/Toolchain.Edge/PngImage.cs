using System.Buffers.Binary;
using System.IO.Compression;

namespace Toolchain.Edge;

/// <summary>
/// Decodes a PNG to 8-bit grayscale with no dependency beyond zlib: bit depth 8, colour types gray,
/// gray+alpha, RGB and RGBA, not interlaced. Colour becomes gray as round(0.299 R + 0.587 G + 0.114 B);
/// alpha is dropped. Anything else is refused with the field at fault named.
/// </summary>
public static class PngImage
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool LooksLike(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);

    /// <summary>The image as rows of gray bytes, with its width and height.</summary>
    public static (byte[] Gray, int Width, int Height) DecodeGray(ReadOnlySpan<byte> bytes, string name)
    {
        if (!LooksLike(bytes)) throw new EdgeException($"'{name}' is not a PNG file (no PNG signature)");
        int width = 0, height = 0, colorType = -1;
        using var compressed = new MemoryStream();
        int at = Signature.Length;
        while (true)
        {
            if (at + 12 > bytes.Length) throw new EdgeException($"'{name}': PNG ends inside a chunk header at byte {at} (no IEND)");
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(bytes[at..]));
            var type = System.Text.Encoding.ASCII.GetString(bytes.Slice(at + 4, 4));
            if (at + 12 + length > bytes.Length) throw new EdgeException($"'{name}': PNG chunk '{type}' at byte {at} runs past the end of the file");
            var data = bytes.Slice(at + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data));
                    height = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
                    if (data[8] != 8) throw new EdgeException($"'{name}': PNG bit depth {data[8]} is not supported (8 only)");
                    colorType = data[9];
                    if (colorType is not (0 or 2 or 4 or 6)) throw new EdgeException($"'{name}': PNG colour type {colorType} is not supported (gray, gray+alpha, RGB, RGBA)");
                    if (data[12] != 0) throw new EdgeException($"'{name}': interlaced PNGs are not supported");
                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
            }
            at += 12 + length;
            if (type == "IEND") break;
        }
        if (colorType < 0) throw new EdgeException($"'{name}': PNG has no IHDR chunk");

        int channels = colorType switch { 0 => 1, 4 => 2, 2 => 3, _ => 4 };
        int stride = width * channels;
        var raw = Inflate(compressed, name, (long)height * (stride + 1));
        var current = new byte[stride];
        var previous = new byte[stride];
        var gray = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            raw.AsSpan(y * (stride + 1) + 1, stride).CopyTo(current);
            Unfilter(filter, current, previous, channels, name, y);
            for (int x = 0; x < width; x++)
                gray[y * width + x] = channels <= 2
                    ? current[x * channels]
                    : (byte)Math.Round(0.299 * current[x * channels] + 0.587 * current[x * channels + 1] + 0.114 * current[x * channels + 2]);
            (previous, current) = (current, previous);
        }
        return (gray, width, height);
    }

    private static byte[] Inflate(MemoryStream compressed, string name, long expected)
    {
        compressed.Position = 0;
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        using var output = new MemoryStream();
        try
        {
            zlib.CopyTo(output);
        }
        catch (InvalidDataException e)
        {
            throw new EdgeException($"'{name}': PNG image data (IDAT) is not a valid zlib stream: {e.Message}", e);
        }
        if (output.Length < expected) throw new EdgeException($"'{name}': PNG image data holds {output.Length} bytes, expected {expected}");
        return output.ToArray();
    }

    /// <summary>Undoes one scanline's PNG filter (None, Sub, Up, Average, Paeth) in place.</summary>
    private static void Unfilter(int filter, Span<byte> row, ReadOnlySpan<byte> above, int bpp, string name, int y)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0;
            int up = above[i];
            int upLeft = i >= bpp ? above[i - bpp] : 0;
            row[i] = filter switch
            {
                0 => row[i],
                1 => (byte)(row[i] + left),
                2 => (byte)(row[i] + up),
                3 => (byte)(row[i] + (left + up) / 2),
                4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                _ => throw new EdgeException($"'{name}': PNG row {y} uses filter type {filter}; valid types are 0-4"),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
