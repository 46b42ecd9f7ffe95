namespace Toolchain.Eval;

/// <summary>What to evaluate, against which server, on which data, and where the report goes.</summary>
public sealed record EvalOptions(string Model, Uri Url, string DataDirectory, int BatchSize, string OutputPath, string? LabelsPath = null)
{
    public const string DefaultUrl = "http://127.0.0.1:8000";
    public const string DefaultDataDirectory = "/usr/share/datasets/fashion-mnist";
    public const int DefaultBatchSize = 256;

    public static string DefaultOutputPath(string model) => Path.Combine("runs", model, "eval.json");
}
