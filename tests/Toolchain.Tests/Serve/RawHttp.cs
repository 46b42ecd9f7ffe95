using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Toolchain.Tests.Serve;

/// <summary>
/// HTTP/1.1 over a bare socket, for requests HttpClient will not send as written: request targets with "..",
/// encoded slashes or odd bytes, and bodies that stop short of their Content-Length. The request is sent as
/// given (with "Connection: close" expected in it), optionally followed by closing the sending side, and the
/// reply is read until the server closes the connection.
/// </summary>
public static class RawHttp
{
    public sealed record Reply(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

    /// <summary>A request with the given method, target, headers and body; Content-Length is the body's unless <paramref name="contentLength"/> says otherwise.</summary>
    public static byte[] Request(string method, string target, byte[] body, string? contentType = "application/json", long? contentLength = null)
    {
        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (contentType is not null) head.Append($"Content-Type: {contentType}\r\n");
        head.Append($"Content-Length: {contentLength ?? body.Length}\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    /// <summary>
    /// Sends <paramref name="request"/> and reads the reply. With <paramref name="closeSending"/> the client then shuts
    /// its sending side, so a body shorter than its Content-Length ends there; without it, the server sees the client
    /// still connected but silent. Null when the server closed or reset the connection without a reply.
    /// </summary>
    public static async Task<Reply?> SendAsync(Uri server, byte[] request, bool closeSending, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), cancel.Token);
        await socket.SendAsync(request, SocketFlags.None, cancel.Token);
        if (closeSending) socket.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0)
                received.Write(buffer, 0, n);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Reset after the reply was sent (what arrived is the answer), or instead of one (null below).
        }
        return received.Length == 0 ? null : Parse(received.ToArray());
    }

    private static Reply Parse(byte[] bytes)
    {
        int split = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = Encoding.ASCII.GetString(bytes, 0, split < 0 ? bytes.Length : split).Split("\r\n");
        var body = split < 0 ? [] : bytes[(split + 4)..];
        var status = int.Parse(head[0].Split(' ')[1]);
        var headers = head.Skip(1).Select(h => h.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            body = Dechunk(body);
        return new Reply(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        var result = new MemoryStream();
        int at = 0;
        while (at < chunked.Length)
        {
            int lineEnd = chunked.AsSpan(at).IndexOf("\r\n"u8);
            if (lineEnd < 0) break;
            int size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, lineEnd).Split(';')[0], 16);
            if (size == 0) break;
            int start = at + lineEnd + 2;
            result.Write(chunked, start, Math.Min(size, chunked.Length - start));
            at = start + size + 2;
        }
        return result.ToArray();
    }
}
