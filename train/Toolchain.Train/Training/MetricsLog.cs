using System.Text.Json;

namespace Toolchain.Train.Training;

/// <summary>Appends one JSON object per line to metrics.jsonl, flushed at once so a crash loses nothing written.</summary>
public sealed class MetricsLog(string path)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Path { get; } = path;

    public IReadOnlyList<EpochMetrics> ReadEpochs() =>
        File.Exists(Path)
            ? File.ReadAllLines(Path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<EpochMetrics>(l, Options)!).ToList()
            : [];

    /// <summary>Replaces the file with exactly these records (a resumed run drops epochs it will redo).</summary>
    public void Rewrite(IEnumerable<EpochMetrics> records) =>
        Files.AtomicFile.WriteAllText(Path, string.Concat(records.Select(r => JsonSerializer.Serialize(r, Options) + "\n")));

    public void Append(object record)
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(JsonSerializer.Serialize(record, Options));
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }
}
