namespace Toolchain.Export;

/// <summary>
/// A model version being prepared in a staging folder (models/&lt;name&gt;/.staging-…/, which git ignores). <see cref="Publish"/>
/// renames its version folder into place and then replaces config.pbtxt and labels.txt; disposing an
/// unpublished stage deletes it, so a failed export leaves the repository as it was.
/// </summary>
public sealed class StagedVersion : IDisposable
{
    private readonly ModelRepositoryFolder repository;
    private readonly string staging;
    private bool published;

    internal StagedVersion(ModelRepositoryFolder repository, long version, string staging)
    {
        this.repository = repository;
        this.staging = staging;
        Version = version;
        Directory.CreateDirectory(VersionStagingDirectory);
    }

    public long Version { get; }

    public string ModelPath => Path.Combine(VersionStagingDirectory, ModelRepositoryFolder.ModelFileName);

    public string ConfigPath => Path.Combine(staging, TritonModelConfig.FileName);

    public string LabelsPath => Path.Combine(staging, TritonModelConfig.LabelsFileName);

    /// <summary>A file of the staged version folder (e.g. a model variant), published with it.</summary>
    public string FilePath(string fileName) => Path.Combine(VersionStagingDirectory, fileName);

    /// <summary>Where the model file will be once published.</summary>
    public string PublishedModelPath => Path.Combine(repository.VersionDirectory(Version), ModelRepositoryFolder.ModelFileName);

    private string VersionStagingDirectory => Path.Combine(staging, Version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Publish()
    {
        if (published) throw new InvalidOperationException($"version {Version} is already published");
        var target = repository.VersionDirectory(Version);
        if (Directory.Exists(target))
            throw new ExportException($"version folder '{target}' appeared while exporting (another export?); versions are never overwritten, export again");
        try
        {
            Directory.Move(VersionStagingDirectory, target);
        }
        catch (IOException e)
        {
            throw new ExportException($"cannot publish version {Version} as '{target}': {e.Message}", e);
        }
        published = true;
        File.Move(ConfigPath, Path.Combine(repository.Directory, TritonModelConfig.FileName), overwrite: true);
        File.Move(LabelsPath, Path.Combine(repository.Directory, TritonModelConfig.LabelsFileName), overwrite: true);
        Directory.Delete(staging, recursive: true);
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        catch (IOException)
        {
            // A leftover hidden staging folder is harmless: loaders skip names starting with '.'.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
