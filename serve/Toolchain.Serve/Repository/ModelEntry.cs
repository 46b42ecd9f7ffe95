namespace Toolchain.Serve.Repository;

/// <summary>
/// One model as a snapshot holds it: the versions that are loaded, ascending (the highest is the default), and
/// the version folders that failed to load with their reasons. A version can be in both when it is still served
/// from an earlier load and reloading it failed.
/// </summary>
public sealed class ModelEntry(string name, SortedDictionary<long, ModelVersion> versions, SortedDictionary<long, LoadFailure> failures)
{
    public string Name { get; } = name;

    /// <summary>Loaded versions by number, ascending.</summary>
    public IReadOnlyDictionary<long, ModelVersion> Versions { get; } = versions;

    /// <summary>Version folders that did not load, by number, ascending.</summary>
    public IReadOnlyDictionary<long, LoadFailure> Failures { get; } = failures;

    /// <summary>The default version: the highest that is loaded; null when none loads.</summary>
    public ModelVersion? Latest { get; } = versions.Count > 0 ? versions.Values.Last() : null;
}
