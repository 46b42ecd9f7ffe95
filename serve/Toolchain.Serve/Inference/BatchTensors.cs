using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Inference;

/// <summary>
/// Joins the inputs of batched requests along the batch dimension, and cuts the batch's outputs back into one
/// slice per request. Both are plain row-major copies, so any element type (strings included) works.
/// </summary>
public static class BatchTensors
{
    /// <summary>Input <paramref name="index"/> of every item, stacked in order into one tensor.</summary>
    public static InputTensor Concatenate(IReadOnlyList<BatchItem> items, int index, long rows)
    {
        var first = items[0].Request.Inputs[index];
        if (items.Count == 1) return first;
        var shape = (long[])first.Shape.Clone();
        shape[0] = rows;
        long length = first.Data.Length / Math.Max(first.Shape[0], 1) * rows;
        var data = Array.CreateInstanceFromArrayType(first.Data.GetType(), checked((int)length));
        int offset = 0;
        foreach (var item in items)
        {
            var part = item.Request.Inputs[index].Data;
            Array.Copy(part, 0, data, offset, part.Length);
            offset += part.Length;
        }
        return first with { Shape = shape, Data = data };
    }

    /// <summary>Rows [<paramref name="start"/>, start + <paramref name="rows"/>) of a batch output.</summary>
    public static OutputTensor Slice(OutputTensor batch, long start, long rows, long batchRows)
    {
        if (batch.Shape.Length == 0 || batch.Shape[0] != batchRows)
            throw new InvalidOperationException(
                $"output '{batch.Name}' has shape {TensorSpec.FormatShape(batch.Shape)}, not a first dimension of {batchRows} to split the batch along");
        if (start == 0 && rows == batchRows) return batch;
        var source = (Array)batch.Data;
        long rowLength = batchRows == 0 ? 0 : source.Length / batchRows;
        var data = Array.CreateInstanceFromArrayType(source.GetType(), checked((int)(rowLength * rows)));
        Array.Copy(source, start * rowLength, data, 0, data.Length);
        var shape = (long[])batch.Shape.Clone();
        shape[0] = rows;
        return batch with { Shape = shape, Data = data };
    }
}
