using System.Text.Json;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// One input tensor as the client sent it: its data is still JSON (flat or nested arrays), or, with the binary
/// tensor data extension, <see cref="Binary"/> raw little-endian bytes from the body after the JSON header.
/// </summary>
public sealed record RequestInput(string Name, long[] Shape, DataType DataType, JsonElement Data)
{
    /// <summary>The input's bytes when it came as binary data ("binary_data_size"); null for JSON data.</summary>
    public ReadOnlyMemory<byte>? Binary { get; init; }

    /// <summary>The input's "binary_data_size" as the JSON header declares it, until its bytes are cut from the body.</summary>
    public int? BinaryDataSize { get; init; }

    /// <summary>Number of elements the shape calls for.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
}
