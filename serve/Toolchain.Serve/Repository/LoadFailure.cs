namespace Toolchain.Serve.Repository;

/// <summary>
/// A version folder whose model could not be loaded, with the reason; <see cref="Source"/> is what was tried,
/// so the same broken file is not loaded again on every rescan (null when the file could not even be read).
/// </summary>
public sealed record LoadFailure(string Message, VersionSource? Source);
