using System.Text.Json;

namespace Toolchain.Edge;

/// <summary>
/// Finds what the runner loads when not told: the one model file (model*.ort, else model*.onnx) in
/// the runner's own folder, as a bundle lays them out, and the class labels — labels.txt beside the
/// model, else the model's "labels" metadata (a JSON array), else the class numbers.
/// </summary>
public static class ModelFiles
{
    public const string LabelsFileName = "labels.txt";

    public static string FindModel(string directory)
    {
        foreach (var pattern in new[] { "model*.ort", "model*.onnx" })
        {
            var found = Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).ToArray() : [];
            if (found.Length == 1) return found[0];
            if (found.Length > 1)
                throw new EdgeException($"folder '{directory}' holds {found.Length} model files ({string.Join(", ", found.Select(Path.GetFileName))}); choose one with --model");
        }
        throw new EdgeException($"folder '{directory}' holds no model*.ort or model*.onnx file; give one with --model");
    }

    /// <summary>Labels for <paramref name="classes"/> classes; <paramref name="labelsPath"/> null looks beside the model.</summary>
    public static IReadOnlyList<string> Labels(string? labelsPath, string modelPath, IReadOnlyDictionary<string, string> metadata, int classes)
    {
        var path = labelsPath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, LabelsFileName);
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
            if (lines.Length != classes)
                throw new EdgeException($"labels file '{path}' has {lines.Length} labels, model '{modelPath}' has {classes} classes");
            return lines;
        }
        if (labelsPath is not null) throw new EdgeException($"labels file '{labelsPath}' does not exist");
        if (metadata.TryGetValue("labels", out var json))
        {
            var labels = ParseLabels(json, modelPath);
            if (labels.Length != classes)
                throw new EdgeException($"model '{modelPath}': metadata 'labels' lists {labels.Length} labels, the model has {classes} classes");
            return labels;
        }
        return Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static string[] ParseLabels(string json, string modelPath)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                throw new EdgeException($"model '{modelPath}': metadata 'labels' is not a JSON array of strings: {json}");
            return document.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
        }
        catch (JsonException e)
        {
            throw new EdgeException($"model '{modelPath}': metadata 'labels' is not valid JSON: {e.Message}", e);
        }
    }
}
