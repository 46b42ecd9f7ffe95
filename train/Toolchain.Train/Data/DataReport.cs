using System.Text.Encodings.Web;
using System.Text.Json;
using Toolchain.Files;
using Toolchain.Recipes;
using Toolchain.Train.Artifacts;

namespace Toolchain.Train.Data;

/// <summary>
/// What data preparation did, written to runs/&lt;model&gt;/data.json and summarised in one log line:
/// rows read and dropped (and why), values missing, non-numeric and imputed, the split sizes and the scaling.
/// </summary>
public sealed record DataReport(
    string Dataset,
    string Source,
    string Task,
    int RowsRead,
    int RowsDropped,
    int RowsDroppedMissingTarget,
    int RowsDroppedMissingFeature,
    int MissingValues,
    int NonNumericValues,
    string Missing,
    int ValuesImputed,
    IReadOnlyDictionary<string, int> ImputedByColumn,
    IReadOnlyList<string> Features,
    IReadOnlyList<string> IgnoredColumns,
    IReadOnlyList<string> Classes,
    int TrainRows,
    int ValidationRows,
    int TestRows,
    bool Stratified,
    string Normalize,
    string NormalizeScope,
    AugmentSection Augment)
{
    public const string FileName = "data.json";

    /// <summary>Snake-case keys, indented, with text such as "·" and "…" written as is.</summary>
    internal static readonly JsonSerializerOptions Json = new(TrainingArtifacts.Json) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string LogLine()
    {
        var parts = new List<string> { $"Data: {Source}" };
        if (Dataset != "fashion-mnist")
        {
            var cleaning = $"{RowsRead:N0} rows, {RowsDropped:N0} dropped";
            if (RowsDropped > 0) cleaning += $" ({RowsDroppedMissingTarget:N0} without a target, {RowsDroppedMissingFeature:N0} with a missing or non-numeric feature)";
            cleaning += $", {ValuesImputed:N0} values imputed" + (Missing == "drop" ? "" : $" ({Missing})");
            if (MissingValues + NonNumericValues > 0) cleaning += $"; {MissingValues:N0} missing and {NonNumericValues:N0} non-numeric values found";
            parts.Add(cleaning);
        }
        parts.Add($"{TrainRows:N0} train / {ValidationRows:N0} validation" + (TestRows > 0 ? $" / {TestRows:N0} test" : "") + (Stratified ? " (stratified)" : ""));
        parts.Add($"normalize {Normalize}" + (Normalize == "none" ? "" : $" ({NormalizeScope})"));
        if (Augment.Enabled)
            parts.Add($"augment shift {Augment.Shift}, flip {(Augment.Flip ? "on" : "off")}, noise {Augment.Noise} (training batches only)");
        if (IgnoredColumns.Count > 0) parts.Add($"ignored non-numeric columns: {string.Join(", ", IgnoredColumns)}");
        return string.Join("; ", parts);
    }

    public void Save(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(this, Json));
    }
}
