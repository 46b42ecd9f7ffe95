namespace Toolchain.Export.Variants;

/// <summary>
/// A numeric form an exported model is published in: fp32 (the parity-checked model.onnx), int8
/// (weights quantised per output channel) or fp16 (weights and compute in float16). Each variant is
/// written as ONNX and, when variants are asked for, in ONNX Runtime's own ORT format beside it.
/// </summary>
public sealed record ModelVariant(string Name, string Description)
{
    public static readonly ModelVariant Fp32 = new("fp32", "float32 weights and compute: the parity-checked model");
    public static readonly ModelVariant Int8 = new("int8", "int8 weights, symmetric per output channel (DequantizeLinear), float32 compute");
    public static readonly ModelVariant Fp16 = new("fp16", "float16 weights and graph from the normalised input to logits; float32 normalisation and outputs");

    public static IReadOnlyList<ModelVariant> All { get; } = [Fp32, Int8, Fp16];

    /// <summary>model.onnx for fp32, model.&lt;name&gt;.onnx for the others.</summary>
    public string OnnxFileName => this == Fp32 ? ModelRepositoryFolder.ModelFileName : $"model.{Name}.onnx";

    /// <summary>model.ort for fp32, model.&lt;name&gt;.ort for the others.</summary>
    public string OrtFileName => this == Fp32 ? "model.ort" : $"model.{Name}.ort";

    /// <summary>
    /// Parses a list such as "fp32 int8 fp16" (spaces or commas between names). fp32 must be in it:
    /// it is the reference every other variant is checked against.
    /// </summary>
    public static IReadOnlyList<ModelVariant> ParseList(string text, out IReadOnlyList<string> problems)
    {
        var found = new List<ModelVariant>();
        var errors = new List<string>();
        foreach (var name in (text ?? "").Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var variant = All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));
            if (variant is null)
                errors.Add($"--variants: unknown variant '{name}'; expected names from {string.Join(", ", All.Select(v => v.Name))}");
            else if (!found.Contains(variant))
                found.Add(variant);
        }
        if (errors.Count == 0 && !found.Contains(Fp32))
            errors.Add($"--variants: expected a list that includes fp32 (the reference the other variants are checked against), got '{text}'");
        problems = errors;
        return found.OrderBy(v => All.ToList().IndexOf(v)).ToArray();
    }

    public override string ToString() => Name;
}
