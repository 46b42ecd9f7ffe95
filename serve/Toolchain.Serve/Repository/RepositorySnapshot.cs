using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Toolchain.Serve.Repository;

/// <summary>
/// The repository as it stood after one scan: immutable, so a request sees one consistent set of models and
/// versions however many reloads happen meanwhile. Names and versions from URLs are only ever looked up here,
/// never joined to a path, so no URL can reach a file the scan did not find inside the repository.
/// </summary>
public sealed class RepositorySnapshot(string directory, SortedDictionary<string, ModelEntry> models)
{
    public string Directory { get; } = directory;

    /// <summary>Models by name, sorted ordinally.</summary>
    public IReadOnlyDictionary<string, ModelEntry> Models { get; } = models;

    public IEnumerable<ModelVersion> AllVersions => Models.Values.SelectMany(m => m.Versions.Values);

    /// <summary>
    /// Finds a loaded version: the default (highest loaded) when <paramref name="version"/> is null. On failure
    /// <paramref name="error"/> says what is missing and what there is instead, or why a version did not load.
    /// </summary>
    public bool TryFind(string name, string? version,
        [NotNullWhen(true)] out ModelVersion? model, [NotNullWhen(false)] out LookupError? error)
    {
        model = null;
        error = null;
        if (!Models.TryGetValue(name, out var entry))
        {
            error = new LookupError(Models.Count == 0
                ? $"unknown model '{name}': the repository '{Directory}' has no models"
                : $"unknown model '{name}'; available models: {string.Join(", ", Models.Keys)}", Unavailable: false);
            return false;
        }
        if (version is null)
        {
            model = entry.Latest;
            if (model is not null) return true;
            var (number, failure) = entry.Failures.Last();
            error = new LookupError($"model '{name}' has no version that loads; version {number}: {failure.Message}", Unavailable: true);
            return false;
        }
        if (IsVersionName(version, out var requested))
        {
            if (entry.Versions.TryGetValue(requested, out model)) return true;
            if (entry.Failures.TryGetValue(requested, out var failure))
            {
                error = new LookupError($"{failure.Message}; {Served(entry)}", Unavailable: true);
                return false;
            }
        }
        error = new LookupError($"unknown version '{version}' of model '{name}'; {Served(entry)}", Unavailable: false);
        return false;
    }

    /// <summary>A version name is a positive decimal integer made only of digits ("1", "12"; not "+1", "v1", "0", "01").</summary>
    public static bool IsVersionName(string text, out long version)
    {
        version = 0;
        return text.Length > 0 && text[0] != '0' && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version) && version > 0;
    }

    private static string Served(ModelEntry entry) => entry.Versions.Count > 0
        ? $"available versions: {string.Join(", ", entry.Versions.Keys)}"
        : "no version of it loads";
}
