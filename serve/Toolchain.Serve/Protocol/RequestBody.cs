using System.Buffers;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// Reads a request body whole into a buffer from <see cref="ArrayPool{T}.Shared"/>, sized by Content-Length when
/// the client sent one, so a request costs no body-sized allocation. Kestrel bounds the size (--max-request-bytes).
/// </summary>
public static class RequestBody
{
    /// <summary>The buffer (the caller returns it to the pool) and how many bytes of it the body filled.</summary>
    public static async Task<(byte[] Buffer, int Length)> ReadAsync(Stream body, long expectedLength, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(expectedLength + 1, 256, Array.MaxLength));
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                int read = await body.ReadAsync(buffer.AsMemory(length), cancel);
                if (read == 0) return (buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
