using System.Globalization;

namespace Toolchain.Export;

/// <summary>
/// One model's folder in a Triton-style repository, models/&lt;name&gt;/: numbered version folders
/// (1, 2, ...) each holding model.onnx, with config.pbtxt and labels.txt beside them. Other files
/// (recipe.yaml) and folders whose names start with '.' belong to others and are left alone.
/// </summary>
public sealed class ModelRepositoryFolder(string modelsDirectory, string model)
{
    public const string ModelFileName = "model.onnx";

    public string Directory { get; } = Path.Combine(modelsDirectory, model);

    public string VersionDirectory(long version) => Path.Combine(Directory, version.ToString(CultureInfo.InvariantCulture));

    /// <summary>Versions present now: every folder whose name is a positive integer, with or without a model in it.</summary>
    public IReadOnlyList<long> Versions() =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateDirectories(Directory)
                .Select(Path.GetFileName)
                .Where(n => n is { Length: > 0 } && n.All(char.IsAsciiDigit))
                .Select(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Where(v => v > 0)
                .Order()
                .ToArray()
            : [];

    public long NextVersion() => Versions().LastOrDefault() + 1;

    /// <summary>Starts a new version in a hidden staging folder inside the model folder; nothing is visible until it is published.</summary>
    public StagedVersion Stage(long version)
    {
        if (System.IO.Directory.Exists(VersionDirectory(version)))
            throw new ExportException($"version folder '{VersionDirectory(version)}' already exists; versions are never overwritten");
        System.IO.Directory.CreateDirectory(Directory);
        var staging = Path.Combine(Directory, $".staging-{version}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        return new StagedVersion(this, version, staging);
    }
}
