using Toolchain.Serve.Protocol;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve.Inference;

/// <summary>
/// The one step between a parsed request and ONNX Runtime: checks every input's name, datatype, shape
/// and values, and every requested output's name, against what the model declares. Anything that does not
/// fit is refused here, with a message naming the tensor and giving expected and actual values, so the
/// model only ever runs on tensors it accepts. Server-wide <see cref="ValidationRules"/> (batch limit, non-finite
/// values) apply on top of what the model declares.
/// </summary>
public static class RequestValidator
{
    public static ValidatedRequest Validate(ModelVersion model, InferRequest request, ValidationRules rules)
    {
        var expected = model.InputsByName;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var byName = new Dictionary<string, InputTensor>(StringComparer.Ordinal);
        foreach (var input in request.Inputs)
        {
            if (!expected.TryGetValue(input.Name, out var spec))
                throw new InferenceRequestException(
                    $"unknown input '{input.Name}'; model '{model.Name}' has inputs: {string.Join(", ", model.Inputs)}");
            if (!seen.Add(input.Name))
                throw new InferenceRequestException($"input '{input.Name}' is given more than once");
            byName[input.Name] = Check(model, spec, input, rules);
        }
        var missing = model.Inputs.Where(i => !seen.Contains(i.Name)).ToArray();
        if (missing.Length > 0)
            throw new InferenceRequestException(
                $"missing input{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m.Name}' ({m.DataType} {m.ShapeText})"))}");
        var inputs = model.Inputs.Select(i => byName[i.Name]).ToArray();
        CheckNamedDimensions(model.Inputs, inputs);
        return new ValidatedRequest(inputs, CheckOutputs(model, request.Outputs, request.BinaryOutput));
    }

    /// <summary>A dimension name the model uses in several inputs ("N") must have one size across them.</summary>
    private static void CheckNamedDimensions(IReadOnlyList<TensorSpec> specs, IReadOnlyList<InputTensor> inputs)
    {
        var sizes = new Dictionary<string, (long Size, string Input)>(StringComparer.Ordinal);
        for (int i = 0; i < specs.Count; i++)
            for (int d = 0; d < specs[i].DimNames.Length; d++)
            {
                if (specs[i].DimNames[d] is not { } name) continue;
                long size = inputs[i].Shape[d];
                if (!sizes.TryAdd(name, (size, specs[i].Name)) && sizes[name].Size != size)
                    throw new InferenceRequestException(
                        $"input '{specs[i].Name}': dimension {name} is {size} here but {sizes[name].Size} in input '{sizes[name].Input}' " +
                        $"(shapes {specs[i].ShapeText} and {specs.First(s => s.Name == sizes[name].Input).ShapeText} share it)");
            }
    }

    private static InputTensor Check(ModelVersion model, TensorSpec spec, RequestInput input, ValidationRules rules)
    {
        if (input.DataType != spec.DataType)
            throw new InferenceRequestException($"input '{spec.Name}': expected datatype {spec.DataType}, got {input.DataType}");
        if (!spec.Accepts(input.Shape))
            throw new InferenceRequestException(
                $"input '{spec.Name}': expected shape {spec.ShapeText}, got {TensorSpec.FormatShape(input.Shape)}");
        int maxBatch = model.Config.MaxBatchSize;
        if (maxBatch > 0 && input.Shape.Length > 0 && input.Shape[0] > maxBatch)
            throw new InferenceRequestException(
                $"input '{spec.Name}': batch size {input.Shape[0]} exceeds the model's max_batch_size {maxBatch}");
        if (rules.MaxBatchSize > 0 && spec.Shape.Length > 0 && spec.Shape[0] < 0 && input.Shape[0] > rules.MaxBatchSize)
            throw new InferenceRequestException(
                $"input '{spec.Name}': batch size {input.Shape[0]} exceeds the server's limit of {rules.MaxBatchSize} (--max-batch-size)");
        return new InputTensor(spec.Name, spec.DataType, input.Shape, TensorDecoder.Decode(input, rules.AllowNonFinite));
    }

    private static IReadOnlyList<RequestedOutput> CheckOutputs(ModelVersion model, IReadOnlyList<RequestedOutput> requested, bool binary)
    {
        if (requested.Count == 0)
            return binary ? model.AllOutputsBinary : model.AllOutputs;
        var specs = model.Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in requested)
        {
            if (!specs.TryGetValue(output.Name, out var spec))
                throw new InferenceRequestException(
                    $"unknown output '{output.Name}'; model '{model.Name}' has outputs: {string.Join(", ", model.Outputs)}");
            if (!seen.Add(output.Name))
                throw new InferenceRequestException($"output '{output.Name}' is requested more than once");
            if (output.Classification > 0 && !spec.DataType.IsNumeric)
                throw new InferenceRequestException(
                    $"output '{output.Name}': classification needs a numeric output, but it is {spec.DataType}");
        }
        return requested;
    }
}
