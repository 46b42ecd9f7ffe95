using System.Text.Json;
using System.Text.Json.Serialization;
using Toolchain.Files;

namespace Toolchain.Eval;

/// <summary>
/// The result of one evaluation, as written to <c>runs/&lt;model&gt;/eval.json</c>: accuracy, per-class
/// precision/recall/F1/support, and the confusion matrix (rows true class, columns predicted class).
/// </summary>
public sealed record EvalReport(
    string Model,
    string ModelVersion,
    string Url,
    string Data,
    long Samples,
    double Accuracy,
    double MacroPrecision,
    double MacroRecall,
    double MacroF1,
    IReadOnlyList<string> Labels,
    IReadOnlyList<ClassScores> PerClass,
    long[][] ConfusionMatrix,
    double Seconds,
    double ImagesPerSecond,
    DateTime CreatedUtc)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static EvalReport From(RemoteModel model, Uri url, string data, ConfusionMatrix matrix, IReadOnlyList<string> labels, TimeSpan elapsed) => new(
        model.Name,
        model.Version,
        url.ToString(),
        data,
        matrix.Total,
        matrix.Accuracy,
        matrix.MacroPrecision,
        matrix.MacroRecall,
        matrix.MacroF1,
        labels,
        Enumerable.Range(0, matrix.Classes)
            .Select(c => new ClassScores(c, labels[c], matrix.Precision(c), matrix.Recall(c), matrix.F1(c), matrix.Support(c)))
            .ToArray(),
        matrix.ToRows(),
        elapsed.TotalSeconds,
        elapsed.TotalSeconds > 0 ? matrix.Total / elapsed.TotalSeconds : 0,
        DateTime.UtcNow);

    /// <summary>Writes the report as indented JSON through a temp file and a rename, so readers never see half of it.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    public static EvalReport Read(string path) =>
        JsonSerializer.Deserialize<EvalReport>(File.ReadAllText(path), Json)
        ?? throw new EvalException($"'{path}' holds no evaluation report");
}
