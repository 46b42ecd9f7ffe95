using System.Text;

namespace Toolchain.Export;

/// <summary>
/// Writes a Triton config.pbtxt for an exported classifier. With max_batch_size &gt; 0 Triton's dims
/// leave out the batch dimension; class_index has only the batch dimension, which Triton spells as
/// dims [ 1 ] reshaped to [ ] for the model. Dynamic batching is on: concurrent requests are run as one batch,
/// each waiting at most <see cref="MaxQueueDelayMicroseconds"/> for others to join it.
/// </summary>
public static class TritonModelConfig
{
    public const string FileName = "config.pbtxt";
    public const string LabelsFileName = "labels.txt";
    public const string Platform = "onnxruntime_onnx";
    public const int MaxBatchSize = 1024;

    /// <summary>
    /// No wait: a batch forms from whatever queued while the previous one ran, which is all the batching a
    /// loaded server needs and costs an idle one no latency (Triton's advice is to start from 0 as well).
    /// </summary>
    public const int MaxQueueDelayMicroseconds = 0;

    public static string Render(string model, long[] sampleShape, int classes)
    {
        var text = new StringBuilder();
        text.AppendLine("# Written by toolchain-export on every export; edits here are overwritten.");
        text.AppendLine($"name: \"{model}\"");
        text.AppendLine($"platform: \"{Platform}\"");
        text.AppendLine($"max_batch_size: {MaxBatchSize}");
        text.AppendLine("input [");
        Tensor(text, InferenceModel.PixelsName, "TYPE_UINT8", sampleShape, last: true);
        text.AppendLine("]");
        text.AppendLine("output [");
        Tensor(text, EvalGraph.LogitsName, "TYPE_FP32", [classes], labels: LabelsFileName);
        Tensor(text, InferenceModel.ProbabilitiesName, "TYPE_FP32", [classes]);
        Tensor(text, InferenceModel.ClassIndexName, "TYPE_INT64", [1], reshapeToScalar: true, last: true);
        text.AppendLine("]");
        text.AppendLine("dynamic_batching {");
        text.AppendLine($"  max_queue_delay_microseconds: {MaxQueueDelayMicroseconds}");
        text.AppendLine("}");
        return text.ToString();
    }

    private static void Tensor(StringBuilder text, string name, string dataType, long[] dims, string? labels = null, bool reshapeToScalar = false, bool last = false)
    {
        text.AppendLine("  {");
        text.AppendLine($"    name: \"{name}\"");
        text.AppendLine($"    data_type: {dataType}");
        text.AppendLine($"    dims: [ {string.Join(", ", dims)} ]");
        if (reshapeToScalar) text.AppendLine("    reshape: { shape: [ ] }");
        if (labels is not null) text.AppendLine($"    label_filename: \"{labels}\"");
        text.AppendLine(last ? "  }" : "  },");
    }
}
