using System.Globalization;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Inference;

/// <summary>
/// Triton's classification extension: replaces a score tensor [N, C] by the top-k classes of each row
/// as BYTES strings "score:index:label" (or "score:index" where the model has no label for the index),
/// best first, shape [N, k]. A rank-1 tensor [C] is one row and gives shape [k].
/// </summary>
public static class Classification
{
    public static OutputTensor TopK(OutputTensor scores, int k, IReadOnlyList<string> labels)
    {
        if (scores.Shape.Length == 0)
            throw new InferenceRequestException($"output '{scores.Name}': classification needs a tensor of rank 1 or more, got a scalar");
        var values = ToDoubles(scores);
        long rows = scores.Shape.Length == 1 ? 1 : scores.Shape[0];
        int classes = rows == 0 ? 0 : (int)(values.Length / rows);
        int top = Math.Min(k, classes);
        var result = new string[rows * top];
        var raw = (Array)scores.Data;
        for (long row = 0; row < rows; row++)
        {
            int offset = (int)(row * classes);
            // OrderByDescending is stable: equal scores keep the lower class index first.
            var best = Enumerable.Range(0, classes).OrderByDescending(c => values[offset + c]).Take(top).ToArray();
            for (int i = 0; i < top; i++)
            {
                int c = best[i];
                var score = Convert.ToString(raw.GetValue(offset + c), CultureInfo.InvariantCulture);
                result[row * top + i] = c < labels.Count ? $"{score}:{c}:{labels[c]}" : $"{score}:{c}";
            }
        }
        long[] shape = scores.Shape.Length == 1 ? [top] : [rows, top];
        return new OutputTensor(scores.Name, DataType.Bytes.Name, shape, result);
    }

    /// <summary>Scores as doubles, by the tensor's datatype (the CLR lets an sbyte[] pass as a byte[], so not by array type).</summary>
    private static double[] ToDoubles(OutputTensor scores) => scores.Datatype switch
    {
        "FP16" or "BF16" or "FP32" => Array.ConvertAll((float[])scores.Data, v => (double)v),
        "FP64" => (double[])scores.Data,
        "UINT8" => Array.ConvertAll((byte[])scores.Data, v => (double)v),
        "INT8" => Array.ConvertAll((sbyte[])scores.Data, v => (double)v),
        "UINT16" => Array.ConvertAll((ushort[])scores.Data, v => (double)v),
        "INT16" => Array.ConvertAll((short[])scores.Data, v => (double)v),
        "UINT32" => Array.ConvertAll((uint[])scores.Data, v => (double)v),
        "INT32" => Array.ConvertAll((int[])scores.Data, v => (double)v),
        "UINT64" => Array.ConvertAll((ulong[])scores.Data, v => (double)v),
        "INT64" => Array.ConvertAll((long[])scores.Data, v => (double)v),
        _ => throw new InferenceRequestException($"output '{scores.Name}': classification needs numeric scores, got {scores.Datatype}"),
    };
}
