using System.Text.Json;

namespace Toolchain.Eval;

/// <summary>
/// What the client needs from a served model's metadata to classify images with it: the single input
/// (name, datatype, shape), the output that answers with a class (an integer class-index output [N], else
/// a score output [N, C] whose arg-max is taken), and the class labels if the server has them.
/// </summary>
public sealed record RemoteModel(
    string Name,
    string Version,
    string InputName,
    string InputDatatype,
    long[] InputShape,
    string OutputName,
    bool OutputIsScores,
    int? OutputClasses,
    IReadOnlyList<string> Labels)
{
    private static readonly HashSet<string> IntegerTypes = ["INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "INT16"];
    private static readonly HashSet<string> PixelTypes = ["UINT8", "UINT16", "UINT32", "UINT64", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64"];
    private static readonly HashSet<string> ScoreTypes = ["FP16", "BF16", "FP32", "FP64"];

    /// <summary>Reads <c>GET /v2/models/{name}</c> metadata; <paramref name="version"/> is the latest listed.</summary>
    public static RemoteModel FromMetadata(JsonElement metadata)
    {
        var name = metadata.GetProperty("name").GetString()!;
        var versions = metadata.TryGetProperty("versions", out var v) ? v.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
        var version = versions.OrderBy(s => long.TryParse(s, out var n) ? n : 0).LastOrDefault() ?? "";
        var inputs = Tensors(metadata, "inputs");
        if (inputs.Length != 1)
            throw new EvalException($"model '{name}' has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); eval sends images to a model with exactly one");
        var input = inputs[0];
        if (!PixelTypes.Contains(input.Datatype))
            throw new EvalException($"model '{name}': input '{input.Name}' is {input.Datatype}, which cannot hold pixel values 0-255");
        if (input.Shape.Length < 2)
            throw new EvalException($"model '{name}': input '{input.Name}' has shape {Format(input.Shape)}; expected a batch dimension and image dimensions");

        var outputs = Tensors(metadata, "outputs");
        var classIndex = outputs.FirstOrDefault(o => IntegerTypes.Contains(o.Datatype) && o.Shape.Length == 1);
        var scores = outputs.FirstOrDefault(o => ScoreTypes.Contains(o.Datatype) && o.Shape.Length == 2);
        var chosen = classIndex ?? scores
            ?? throw new EvalException(
                $"model '{name}' has no class-index output (integer [N]) or score output (float [N,C]); outputs: {string.Join(", ", outputs.Select(o => $"{o.Name} {o.Datatype} {Format(o.Shape)}"))}");
        int? classes = scores is not null && scores.Shape[1] > 0 ? (int)scores.Shape[1] : null;
        var labels = metadata.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Array
            ? l.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
            : [];
        return new RemoteModel(name, version, input.Name, input.Datatype, input.Shape, chosen.Name, ReferenceEquals(chosen, scores), classes, labels);
    }

    /// <summary>The input shape for a batch of images of <paramref name="pixelsPerImage"/> pixels each: [N,28,28], [N,784] or [N,1,28,28].</summary>
    public long[] BatchShape(int batch, int pixelsPerImage)
    {
        var shape = InputShape.ToArray();
        shape[0] = batch;
        var open = Enumerable.Range(1, shape.Length - 1).Where(i => shape[i] < 0).ToArray();
        long fixedProduct = shape.Skip(1).Where(d => d >= 0).Aggregate(1L, (p, d) => p * d);
        if (open.Length == 1 && fixedProduct > 0 && pixelsPerImage % fixedProduct == 0)
            shape[open[0]] = pixelsPerImage / fixedProduct;
        if (open.Length > 1 || shape.Skip(1).Aggregate(1L, (p, d) => p * d) != pixelsPerImage)
            throw new EvalException(
                $"model '{Name}': input '{InputName}' has shape {Format(InputShape)}, which does not fit images of {pixelsPerImage} pixels");
        return shape;
    }

    private static string Format(long[] shape) => "[" + string.Join(",", shape) + "]";

    private static Tensor[] Tensors(JsonElement metadata, string property) =>
        metadata.TryGetProperty(property, out var list)
            ? list.EnumerateArray().Select(t => new Tensor(
                t.GetProperty("name").GetString()!,
                t.GetProperty("datatype").GetString()!,
                t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToArray()
            : [];

    private sealed record Tensor(string Name, string Datatype, long[] Shape);
}
