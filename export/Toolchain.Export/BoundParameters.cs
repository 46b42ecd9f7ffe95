using Toolchain.Checkpoints;
using Toolchain.Graph;

namespace Toolchain.Export;

/// <summary>
/// The checkpoint's tensors matched to the eval graph by name: values for its parameter inputs, and values
/// for the initializers the checkpoint carries (running statistics of BatchNormalization, for example).
/// </summary>
public sealed record BoundParameters(IReadOnlyDictionary<string, FloatTensor> Inputs, IReadOnlyDictionary<string, FloatTensor> Initializers)
{
    /// <summary>
    /// Matches every model tensor of the checkpoint to a parameter input or initializer of the eval graph,
    /// checking names and shapes. All mismatches are reported at once, each naming the tensor and both shapes.
    /// </summary>
    public static BoundParameters Bind(EvalGraph eval, TrainedCheckpoint checkpoint)
    {
        var problems = new List<string>();
        var tensors = checkpoint.ModelTensors.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var initializers = eval.Initializers;

        var inputs = new SortedDictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach (var (name, type) in eval.Parameters)
        {
            var declared = type?.Shape is { } shape ? $"[{string.Join(",", shape)}]" : "of any shape";
            if (!tensors.TryGetValue(name, out var tensor))
                problems.Add($"parameter '{name}': missing (the eval graph expects float32 {declared})");
            else if (type?.Shape is { } expected && !Fits(expected, tensor.Shape))
                problems.Add($"parameter '{name}': expected shape {declared}, got {tensor.ShapeText}");
            else
                inputs[name] = tensor;
        }

        var overrides = new SortedDictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (eval.Parameters.ContainsKey(name)) continue;
            if (!initializers.TryGetValue(name, out var initializer))
            {
                problems.Add($"tensor '{name}' {tensor.ShapeText}: the eval graph has no parameter or initializer of that name");
                continue;
            }
            var expected = TensorProtos.Dims(initializer);
            if (initializer.DataType != (int)ElementType.Float || !expected.SequenceEqual(tensor.Shape))
                problems.Add($"tensor '{name}': expected float32 [{string.Join(",", expected)}] like the eval graph's initializer, got float32 {tensor.ShapeText}");
            else
                overrides[name] = tensor;
        }

        foreach (var node in eval.Model.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
            foreach (var statistic in node.Input.Skip(3).Take(2))
                if (initializers.ContainsKey(statistic) && !tensors.ContainsKey(statistic))
                    problems.Add($"running statistic '{statistic}' of BatchNormalization node '{node.Name}': missing");

        if (problems.Count > 0)
            throw new CheckpointException($"checkpoint '{checkpoint.Path}' does not match eval graph '{eval.Path}':\n  " + string.Join("\n  ", problems));
        return new BoundParameters(inputs, overrides);
    }

    private static bool Fits(Dim[] declared, long[] actual) =>
        declared.Length == actual.Length && declared.Zip(actual).All(p => !p.First.IsKnown || p.First.Size == p.Second);
}
