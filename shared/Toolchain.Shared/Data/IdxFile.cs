using System.Buffers.Binary;
using System.IO.Compression;

namespace Toolchain.Data;

/// <summary>
/// An array stored in the IDX format (the MNIST family's format): a magic number giving the element
/// type and rank, big-endian dimension sizes, then the elements. Only unsigned bytes are supported,
/// the type every MNIST-style data set uses; files may be gzip-compressed.
/// </summary>
public sealed class IdxFile
{
    private const byte UnsignedByteType = 0x08;

    public required string Path { get; init; }
    public required long[] Dimensions { get; init; }
    public required byte[] Data { get; init; }

    public static IdxFile Read(string path)
    {
        if (!File.Exists(path))
            throw new DataFormatException($"IDX file '{path}' does not exist");
        byte[] bytes;
        try
        {
            bytes = IsGzip(path) ? Decompress(path) : File.ReadAllBytes(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"IDX file '{path}' is not a valid gzip stream: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    public static IdxFile Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 4)
            throw new DataFormatException($"IDX file '{path}' is truncated: {bytes.Length} bytes, expected at least a 4-byte header");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new DataFormatException($"IDX file '{path}' has no IDX magic number: expected bytes 00 00 at the start, got {bytes[0]:X2} {bytes[1]:X2}");
        if (bytes[2] != UnsignedByteType)
            throw new DataFormatException($"IDX file '{path}' holds element type 0x{bytes[2]:X2}; only unsigned bytes (0x08) are supported");
        int rank = bytes[3];
        if (rank == 0)
            throw new DataFormatException($"IDX file '{path}' declares rank 0");
        int headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength)
            throw new DataFormatException($"IDX file '{path}' is truncated: {bytes.Length} bytes, expected a {headerLength}-byte header for rank {rank}");
        var dimensions = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            count *= dimensions[i];
        }
        long expected = headerLength + count;
        if (bytes.Length != expected)
            throw new DataFormatException(
                $"IDX file '{path}' has {bytes.Length} bytes, expected {expected} for shape [{string.Join(",", dimensions)}]" +
                (bytes.Length < expected ? " (truncated)" : " (trailing data)"));
        return new IdxFile { Path = path, Dimensions = dimensions, Data = bytes.AsSpan(headerLength).ToArray() };
    }

    public static void Write(string path, long[] dimensions, ReadOnlySpan<byte> data)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        header[2] = UnsignedByteType;
        header[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), checked((uint)dimensions[i]));
        var payload = data.ToArray();
        Files.AtomicFile.Write(path, stream =>
        {
            Stream target = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true) : stream;
            target.Write(header);
            target.Write(payload);
            if (target != stream) target.Dispose();
        });
    }

    private static bool IsGzip(string path)
    {
        using var stream = File.OpenRead(path);
        return stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
    }

    private static byte[] Decompress(string path)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
