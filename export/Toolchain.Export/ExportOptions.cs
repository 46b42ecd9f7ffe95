using System.Text.RegularExpressions;
using Toolchain.Export.Variants;

namespace Toolchain.Export;

/// <summary>What to export and where: one model's training run, which checkpoint, and the model repository.</summary>
public sealed partial record ExportOptions
{
    public const int DefaultParitySamples = 1000;

    /// <summary>Model name: runs/&lt;model&gt;/ holds its training run, models/&lt;model&gt;/ its recipe and exported versions.</summary>
    public required string Model { get; init; }

    public string RunsDirectory { get; init; } = "runs";

    public string ModelsDirectory { get; init; } = "models";

    /// <summary>An explicit checkpoint file; null picks best.safetensors (with <see cref="UseBest"/>) or the latest epoch.</summary>
    public string? CheckpointPath { get; init; }

    public bool UseBest { get; init; }

    /// <summary>How many validation samples the parity check runs; capped at the validation split's size.</summary>
    public int ParitySamples { get; init; } = DefaultParitySamples;

    /// <summary>
    /// The variants to publish; fp32 alone (the default) writes model.onnx only, as before variants
    /// existed. Any other variant also writes the ORT format of every listed variant and variants.json.
    /// </summary>
    public IReadOnlyList<ModelVariant> Variants { get; init; } = [ModelVariant.Fp32];

    /// <summary>True when more than the fp32 model.onnx is asked for.</summary>
    public bool WritesVariants => Variants.Any(v => v != ModelVariant.Fp32);

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!ModelName().IsMatch(Model ?? ""))
            problems.Add($"--model: expected a model name of letters, digits, '.', '_' and '-' such as fashion-mlp, got '{Model}'");
        if (CheckpointPath is not null && UseBest)
            problems.Add("--checkpoint and --best: give at most one of them");
        if (!Variants.Contains(ModelVariant.Fp32))
            problems.Add($"--variants: expected a list that includes fp32 (the reference the other variants are checked against), got '{string.Join(" ", Variants)}'");
        if (ParitySamples <= 0)
            problems.Add($"--parity-samples: expected a positive number, got {ParitySamples}");
        return problems;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex ModelName();
}
