using System.Text.Json;

namespace Toolchain.Serve.Protocol;

/// <summary>One input tensor as the client sent it: its data is still JSON (flat or nested arrays).</summary>
public sealed record RequestInput(string Name, long[] Shape, DataType DataType, JsonElement Data)
{
    /// <summary>Number of elements the shape calls for.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
}
