using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Toolchain.Files;

namespace Toolchain.Checkpoints;

/// <summary>
/// Named float32 tensors plus string metadata, stored as a safetensors file (readable by the
/// safetensors libraries of Python and Rust). A SHA-256 of the data section is kept in the
/// metadata and verified on load, so a torn or corrupted file is never mistaken for a good one.
/// </summary>
public sealed class Checkpoint
{
    public const string ChecksumKey = "toolchain.sha256";
    private const long MaxHeaderBytes = 100 << 20;

    public SortedDictionary<string, FloatTensor> Tensors { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public FloatTensor Tensor(string name, string path) =>
        Tensors.TryGetValue(name, out var t) ? t : throw new CheckpointException($"checkpoint '{path}' has no tensor '{name}'");

    public string Meta(string key, string path) =>
        Metadata.TryGetValue(key, out var v) ? v : throw new CheckpointException($"checkpoint '{path}' has no metadata entry '{key}'");

    public void Save(string path)
    {
        long offset = 0;
        var header = new Dictionary<string, object>();
        foreach (var (name, tensor) in Tensors)
        {
            long bytes = tensor.Data.LongLength * sizeof(float);
            header[name] = new { dtype = "F32", shape = tensor.Shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var data = new byte[offset];
        long position = 0;
        foreach (var tensor in Tensors.Values)
        {
            var bytes = MemoryMarshal.AsBytes(tensor.Data.AsSpan());
            bytes.CopyTo(data.AsSpan((int)position));
            position += bytes.Length;
        }
        var metadata = new SortedDictionary<string, string>(Metadata, StringComparer.Ordinal)
        {
            [ChecksumKey] = Convert.ToHexStringLower(SHA256.HashData(data)),
        };
        header["__metadata__"] = metadata;
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;
        var headerBytes = new byte[padded];
        headerBytes.AsSpan().Fill((byte)' ');
        json.CopyTo(headerBytes, 0);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            stream.Write(data);
        });
    }

    public static Checkpoint Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint '{path}' does not exist");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new CheckpointException($"checkpoint '{path}' is truncated: {bytes.Length} bytes, expected at least 8");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || 8 + (long)headerLength > bytes.Length)
            throw new CheckpointException($"checkpoint '{path}' is truncated or not a safetensors file: header claims {headerLength} bytes, file has {bytes.Length}");
        var dataStart = 8 + (int)headerLength;
        var data = bytes.AsSpan(dataStart);
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new CheckpointException($"checkpoint '{path}' has a corrupt header: {e.Message}", e); }
        var checkpoint = new Checkpoint();
        using (document)
        {
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    foreach (var m in entry.Value.EnumerateObject()) checkpoint.Metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                checkpoint.Tensors[entry.Name] = ReadTensor(entry, data, path);
            }
        }
        if (checkpoint.Metadata.Remove(ChecksumKey, out var expected))
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(data));
            if (actual != expected)
                throw new CheckpointException($"checkpoint '{path}' is corrupt: data checksum {actual[..12]}… does not match the stored {expected[..Math.Min(12, expected.Length)]}…");
        }
        return checkpoint;
    }

    private static FloatTensor ReadTensor(JsonProperty entry, ReadOnlySpan<byte> data, string path)
    {
        var dtype = entry.Value.GetProperty("dtype").GetString();
        if (dtype != "F32")
            throw new CheckpointException($"checkpoint '{path}': tensor '{entry.Name}' has dtype {dtype}, only F32 is supported");
        var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (offsets.Length != 2 || offsets[1] > data.Length || offsets[0] < 0 || offsets[1] - offsets[0] != count * sizeof(float))
            throw new CheckpointException($"checkpoint '{path}' is truncated or corrupt: tensor '{entry.Name}' of shape [{string.Join(",", shape)}] " +
                $"wants bytes {string.Join("..", offsets)}, the data section has {data.Length}");
        var values = MemoryMarshal.Cast<byte, float>(data[(int)offsets[0]..(int)offsets[1]]).ToArray();
        return new FloatTensor(shape, values);
    }
}
