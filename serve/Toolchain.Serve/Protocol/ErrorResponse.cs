namespace Toolchain.Serve.Protocol;

/// <summary>The protocol's error body: <c>{"error": "..."}</c>, sent with a 4xx or 5xx status.</summary>
public sealed record ErrorResponse(string Error);
