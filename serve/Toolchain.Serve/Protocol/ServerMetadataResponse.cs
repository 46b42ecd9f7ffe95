namespace Toolchain.Serve.Protocol;

/// <summary>Server metadata: name, version, and the protocol extensions the server implements.</summary>
public sealed record ServerMetadataResponse(string Name, string Version, IReadOnlyList<string> Extensions);
