using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// Reads an infer request body into an <see cref="InferRequest"/>, checking its structure only: that it is
/// JSON, that each input has a name, a shape of non-negative integers, a known datatype and data, and that
/// requested outputs are well formed. Whether it fits the model is <see cref="Inference.RequestValidator"/>'s job.
/// Unknown fields, such as "parameters", are tolerated.
/// </summary>
public static class InferRequestReader
{
    /// <summary>Largest number of elements one input may declare; keeps a bad shape from allocating gigabytes.</summary>
    public const long MaxElements = 1L << 28;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Reads the whole body (Kestrel bounds its size; <paramref name="expectedLength"/>, at most that bound, sizes the
    /// buffer), checks that it is UTF-8 throughout, since JSON strings are otherwise only checked when read, and parses
    /// it. Throws <see cref="InferenceRequestException"/> for anything that is not a well-formed request.
    /// </summary>
    public static async Task<InferRequest> ReadAsync(Stream body, long expectedLength, CancellationToken cancel)
    {
        var bytes = new MemoryStream((int)Math.Clamp(expectedLength, 0, Array.MaxLength));
        await body.CopyToAsync(bytes, cancel);
        var text = bytes.GetBuffer().AsMemory(0, (int)bytes.Length);
        if (text.Span.StartsWith(Utf8Bom)) text = text[Utf8Bom.Length..];
        if (!Utf8.IsValid(text.Span))
            throw new InferenceRequestException($"request body is not valid UTF-8: invalid byte sequence at offset {FirstInvalidByte(text.Span)}");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new InferenceRequestException($"malformed JSON in request body: {e.Message}");
        }
        try
        {
            return Read(document);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> text)
    {
        int offset = 0;
        while (offset < text.Length && Rune.DecodeFromUtf8(text[offset..], out _, out int consumed) == OperationStatus.Done)
            offset += consumed;
        return offset;
    }

    private static InferRequest Read(JsonDocument document)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InferenceRequestException($"request body must be a JSON object, got {Describe(root.ValueKind)}");
        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
            id = idElement.ValueKind switch
            {
                JsonValueKind.String => idElement.GetString(),
                JsonValueKind.Number => idElement.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw new InferenceRequestException($"'id' must be a string, got {Describe(idElement.ValueKind)}"),
            };
        if (!root.TryGetProperty("inputs", out var inputsElement) || inputsElement.ValueKind != JsonValueKind.Array)
            throw new InferenceRequestException("request must have an 'inputs' array");
        var inputs = inputsElement.EnumerateArray().Select(ReadInput).ToArray();
        var outputs = root.TryGetProperty("outputs", out var outputsElement) && outputsElement.ValueKind != JsonValueKind.Null
            ? ReadOutputs(outputsElement)
            : [];
        return new InferRequest(document, id, inputs, outputs);
    }

    private static RequestInput ReadInput(JsonElement input, int index)
    {
        if (input.ValueKind != JsonValueKind.Object)
            throw new InferenceRequestException($"inputs[{index}] must be an object, got {Describe(input.ValueKind)}");
        if (!input.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
            throw new InferenceRequestException($"inputs[{index}] must have a string 'name'");
        var name = nameElement.GetString()!;
        var where = $"input '{name}'";
        if (!input.TryGetProperty("datatype", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            throw new InferenceRequestException($"{where} must have a string 'datatype'");
        if (!DataType.TryParse(typeElement.GetString(), out var dataType))
            throw new InferenceRequestException(
                $"{where}: unknown datatype '{typeElement.GetString()}'; expected one of {string.Join(", ", DataType.All.Select(t => t.Name))}");
        var shape = ReadShape(input, where);
        if (!input.TryGetProperty("data", out var data))
        {
            if (input.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("binary_data_size", out _))
                throw new InferenceRequestException($"{where}: binary tensor data is not supported; send the values in 'data'");
            throw new InferenceRequestException($"{where} must have 'data'");
        }
        return new RequestInput(name, shape, dataType, data);
    }

    private static long[] ReadShape(JsonElement input, string where)
    {
        if (!input.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new InferenceRequestException($"{where} must have a 'shape' array");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var size) || size < 0)
                throw new InferenceRequestException($"{where}: shape {shapeElement.GetRawText()} must hold non-negative integers");
            shape[i++] = size;
        }
        if (shape.Aggregate(1.0, (n, d) => n * d) > MaxElements)
            throw new InferenceRequestException($"{where}: shape {TensorSpec.FormatShape(shape)} has more than {MaxElements} elements");
        return shape;
    }

    private static RequestedOutput[] ReadOutputs(JsonElement outputs)
    {
        if (outputs.ValueKind != JsonValueKind.Array)
            throw new InferenceRequestException($"'outputs' must be an array, got {Describe(outputs.ValueKind)}");
        return outputs.EnumerateArray().Select((output, index) =>
        {
            if (output.ValueKind != JsonValueKind.Object || !output.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw new InferenceRequestException($"outputs[{index}] must be an object with a string 'name'");
            int classification = 0;
            if (output.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
            {
                if (parameters.TryGetProperty("classification", out var k)
                    && (k.ValueKind != JsonValueKind.Number || !k.TryGetInt32(out classification) || classification < 1))
                    throw new InferenceRequestException($"output '{name.GetString()}': parameter 'classification' must be a positive integer, got {k.GetRawText()}");
                if (parameters.TryGetProperty("binary_data", out var binary) && binary.ValueKind == JsonValueKind.True)
                    throw new InferenceRequestException($"output '{name.GetString()}': binary tensor data is not supported; leave 'binary_data' unset or false");
            }
            return new RequestedOutput(name.GetString()!, classification);
        }).ToArray();
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
