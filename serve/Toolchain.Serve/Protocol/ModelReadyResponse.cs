namespace Toolchain.Serve.Protocol;

/// <summary>The body of a model readiness probe.</summary>
public sealed record ModelReadyResponse(string Name, string Version, bool Ready);
