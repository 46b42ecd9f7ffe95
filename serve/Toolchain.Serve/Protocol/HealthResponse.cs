namespace Toolchain.Serve.Protocol;

/// <summary>The body of the liveness and readiness probes: <c>{"live": true}</c> or <c>{"ready": true}</c>.</summary>
public sealed record HealthResponse(bool? Live = null, bool? Ready = null);
