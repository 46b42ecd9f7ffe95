using System.Globalization;
using System.Text.RegularExpressions;

namespace Toolchain.Export;

/// <summary>
/// The files a training run leaves in runs/&lt;model&gt;/: the eval graph in artifacts/, one checkpoint
/// per epoch (epoch-NNNN.safetensors) and best.safetensors in checkpoints/, and export.json after an export.
/// </summary>
public sealed partial class TrainingRun(string runsDirectory, string model)
{
    public const string BestCheckpointName = "best.safetensors";

    public string Directory { get; } = Path.Combine(runsDirectory, model);

    public string EvalModelPath => Path.Combine(Directory, "artifacts", "eval_model.onnx");

    public string CheckpointsDirectory => Path.Combine(Directory, "checkpoints");

    public string ExportReportPath => Path.Combine(Directory, "export.json");

    /// <summary>The explicit path when given, else best.safetensors when asked for, else the highest epoch's checkpoint.</summary>
    public string ChooseCheckpoint(string? explicitPath, bool best)
    {
        if (explicitPath is not null) return explicitPath;
        if (best) return Path.Combine(CheckpointsDirectory, BestCheckpointName);
        return LatestEpochCheckpoint()
            ?? throw new ExportException($"no checkpoints in '{CheckpointsDirectory}': expected epoch-NNNN.safetensors files (train the model first, or pass --checkpoint PATH)");
    }

    private string? LatestEpochCheckpoint()
    {
        if (!System.IO.Directory.Exists(CheckpointsDirectory)) return null;
        return System.IO.Directory.EnumerateFiles(CheckpointsDirectory)
            .Select(path => (Path: path, Match: EpochFileName().Match(Path.GetFileName(path))))
            .Where(f => f.Match.Success)
            .Select(f => (f.Path, Epoch: long.Parse(f.Match.Groups["epoch"].Value, NumberStyles.None, CultureInfo.InvariantCulture)))
            .OrderBy(f => f.Epoch)
            .Select(f => f.Path)
            .LastOrDefault();
    }

    [GeneratedRegex(@"^epoch-(?<epoch>\d{1,18})\.safetensors$")]
    private static partial Regex EpochFileName();
}
