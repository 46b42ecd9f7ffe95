using System.Buffers.Binary;

namespace Toolchain.Edge;

/// <summary>
/// An unsigned-byte array in the IDX format (MNIST's): bytes 00 00 08 &lt;rank&gt;, big-endian
/// dimension sizes, then the elements. Gzip is undone by <see cref="SampleReader"/> before this.
/// </summary>
public sealed record IdxArray(long[] Dimensions, byte[] Data)
{
    public static bool LooksLike(ReadOnlySpan<byte> bytes) => bytes.Length >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08 && bytes[3] > 0;

    public static IdxArray Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (!LooksLike(bytes))
            throw new EdgeException($"'{name}' is not an IDX file of unsigned bytes: expected it to start with 00 00 08 <rank>");
        int rank = bytes[3];
        int header = 4 + 4 * rank;
        if (bytes.Length < header)
            throw new EdgeException($"'{name}': IDX header for rank {rank} needs {header} bytes, the file has {bytes.Length}");
        var dims = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * i)..]);
            count *= dims[i];
        }
        if (bytes.Length != header + count)
            throw new EdgeException($"'{name}': IDX shape [{string.Join(",", dims)}] needs {header + count} bytes, the file has {bytes.Length}");
        return new IdxArray(dims, bytes[header..].ToArray());
    }
}
