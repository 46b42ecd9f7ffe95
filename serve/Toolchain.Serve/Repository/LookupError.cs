namespace Toolchain.Serve.Repository;

/// <summary>
/// Why a model or version cannot be served. <see cref="Unavailable"/> is false when the repository has no such
/// model or version (404), true when it has one that failed to load (the message gives the reason).
/// </summary>
public sealed record LookupError(string Message, bool Unavailable)
{
    public override string ToString() => Message;
}
