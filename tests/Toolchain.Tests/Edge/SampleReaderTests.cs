using System.Buffers.Binary;
using System.IO.Compression;
using NUnit.Framework;
using Toolchain.Data;
using Toolchain.Edge;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Edge;

/// <summary>The runner's inputs: IDX (plain or gzip), raw samples and PNG all give the same pixels; anything else is refused by name.</summary>
public sealed class SampleReaderTests
{
    private static readonly long[] Shape = [2, 3];
    private static readonly byte[] Pixels = [0, 10, 20, 30, 40, 50, 255, 254, 253, 1, 2, 3];

    [Test]
    public void IdxGzipIdxAndRawGiveTheSameSamples()
    {
        using var temp = new TempDirectory();
        IdxFile.Write(temp.File("images"), [2, 2, 3], Pixels);
        IdxFile.Write(temp.File("images.gz"), [2, 2, 3], Pixels);

        foreach (var (name, bytes) in new[] { ("images", File.ReadAllBytes(temp.File("images"))), ("images.gz", File.ReadAllBytes(temp.File("images.gz"))), ("raw", Pixels) })
        {
            var samples = SampleReader.Read(bytes, name, Shape);
            Assert.That(samples.Count, Is.EqualTo(2), name);
            Assert.That(samples.Pixels, Is.EqualTo(Pixels), name);
        }
    }

    [TestCase(0, 1)]
    [TestCase(4, 2)]
    [TestCase(2, 3)]
    [TestCase(6, 4)]
    public void PngDecodesToGrayWhateverTheColourTypeAndFilter(int colorType, int filter)
    {
        var gray = Pixels[..6];
        var png = Png(gray, width: 3, height: 2, colorType, filter);

        var samples = SampleReader.Read(png, "image.png", Shape);

        Assert.That(samples.Count, Is.EqualTo(1));
        Assert.That(samples.Pixels, Is.EqualTo(gray));
    }

    [Test]
    public void APngOfTheWrongSizeIsRefused()
    {
        var error = Assert.Throws<EdgeException>(() => SampleReader.Read(Png(Pixels[..6], 3, 2, 0, 0), "wide.png", [2, 2]));
        Assert.That(error!.Message, Does.Contain("wide.png").And.Contain("3×2"));
    }

    [Test]
    public void BytesThatAreNoSamplesAreRefusedNamingTheInput()
    {
        var error = Assert.Throws<EdgeException>(() => SampleReader.Read(new byte[7], "odd.bin", Shape));
        Assert.That(error!.Message, Does.Contain("'odd.bin'").And.Contain("7 bytes").And.Contain("6 bytes each"));
        error = Assert.Throws<EdgeException>(() => SampleReader.Read([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 9, 9, 9, 9], "small.idx", Shape));
        Assert.That(error!.Message, Does.Contain("small.idx").And.Contain("[1,2,2]"));
    }

    /// <summary>A PNG of gray values written in the given colour type (RGB repeats the gray; alpha is 200), every row with one filter.</summary>
    private static byte[] Png(byte[] gray, int width, int height, int colorType, int filter)
    {
        int channels = colorType switch { 0 => 1, 4 => 2, 2 => 3, _ => 4 };
        int stride = width * channels;
        var rows = new byte[height][];
        for (int y = 0; y < height; y++)
        {
            rows[y] = new byte[stride];
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                    rows[y][x * channels + c] = channels is 2 or 4 && c == channels - 1 ? (byte)200 : gray[y * width + x];
        }
        using var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte((byte)filter);
            for (int i = 0; i < stride; i++)
            {
                int left = i >= channels ? rows[y][i - channels] : 0;
                int up = y > 0 ? rows[y - 1][i] : 0;
                int upLeft = i >= channels && y > 0 ? rows[y - 1][i - channels] : 0;
                int predictor = filter switch { 0 => 0, 1 => left, 2 => up, 3 => (left + up) / 2, _ => Paeth(left, up, upLeft) };
                raw.WriteByte((byte)(rows[y][i] - predictor));
            }
        }
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw.ToArray());

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = 8;
        header[9] = (byte)colorType;
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        png.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
