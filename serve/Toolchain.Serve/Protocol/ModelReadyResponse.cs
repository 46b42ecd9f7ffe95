namespace Toolchain.Serve.Protocol;

/// <summary>
/// The body of a model readiness probe. A version that exists but did not load is not ready, and
/// <see cref="Error"/> says why (the protocol's 4xx answer for "false" then also carries an error body).
/// </summary>
public sealed record ModelReadyResponse(string Name, string Version, bool Ready, string? Error = null);
