namespace Toolchain.Serve.Repository;

/// <summary>
/// What a loaded (or failed) version was read from: the model file's size and modification time and the model
/// folder's config and labels. A rescan reloads a version only when this has changed, so an unchanged version
/// keeps its session and a broken file is not retried until it is rewritten.
/// </summary>
public sealed record VersionSource(long Length, DateTime LastWriteUtc, TritonConfig Config, string LabelsText)
{
    /// <summary>Reads the model file's size and time; null when the file is gone or unreadable.</summary>
    public static VersionSource? Of(string modelPath, TritonConfig config, IReadOnlyList<string> labels)
    {
        try
        {
            var file = new FileInfo(modelPath);
            return file.Exists ? new VersionSource(file.Length, file.LastWriteTimeUtc, config, string.Join('\n', labels)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
