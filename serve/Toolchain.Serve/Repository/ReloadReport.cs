namespace Toolchain.Serve.Repository;

/// <summary>
/// What one rescan changed: versions newly loaded (or reloaded because their files changed), versions unloaded
/// (folder removed, or replaced by a reload), and versions that newly failed to load. Unchanged versions and
/// failures already reported are not listed again.
/// </summary>
public sealed record ReloadReport(
    IReadOnlyList<ModelVersion> Loaded,
    IReadOnlyList<ModelVersion> Unloaded,
    IReadOnlyList<(string Model, long Version, string Message)> Failed)
{
    public bool Changed => Loaded.Count > 0 || Unloaded.Count > 0 || Failed.Count > 0;
}
