using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Toolchain.Serve.Protocol;

/// <summary>
/// Reads an infer request body into an <see cref="InferRequest"/>, checking its structure only: that it is
/// JSON, that each input has a name, a shape of non-negative integers, a known datatype and data, and that
/// requested outputs are well formed. Whether it fits the model is <see cref="Inference.RequestValidator"/>'s job.
/// Unknown fields and parameters are tolerated. With Triton's binary tensor data extension the body is a JSON header
/// of <c>Inference-Header-Content-Length</c> bytes followed by the raw data of each input that gives
/// <c>"parameters": {"binary_data_size": N}</c> instead of "data", in the order of the inputs.
/// </summary>
public static class InferRequestReader
{
    /// <summary>Largest number of elements one input may declare; keeps a bad shape from allocating gigabytes.</summary>
    public const long MaxElements = 1L << 28;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Reads the whole body (Kestrel bounds its size; <paramref name="expectedLength"/>, at most that bound, sizes the
    /// buffer), checks that its JSON is UTF-8 throughout, since JSON strings are otherwise only checked when read, and
    /// parses it. <paramref name="headerLength"/> is the Inference-Header-Content-Length header: the length of the JSON
    /// part, the rest being binary input data; null when the whole body is JSON. Throws
    /// <see cref="InferenceRequestException"/> for anything that is not a well-formed request.
    /// </summary>
    public static async Task<InferRequest> ReadAsync(Stream body, long expectedLength, long? headerLength, CancellationToken cancel)
    {
        var (buffer, length) = await RequestBody.ReadAsync(body, expectedLength, cancel);
        JsonDocument? document = null;
        try
        {
            if (headerLength > length)
                throw new InferenceRequestException($"Inference-Header-Content-Length is {headerLength}, but the body holds only {length} bytes");
            int jsonLength = (int)(headerLength ?? length);
            var text = buffer.AsMemory(0, jsonLength);
            if (text.Span.StartsWith(Utf8Bom)) text = text[Utf8Bom.Length..];
            if (!Utf8.IsValid(text.Span))
                throw new InferenceRequestException($"request body is not valid UTF-8: invalid byte sequence at offset {FirstInvalidByte(text.Span)}");
            try
            {
                document = JsonDocument.Parse(text, DocumentOptions);
            }
            catch (JsonException e)
            {
                throw new InferenceRequestException($"malformed JSON in request body: {e.Message}");
            }
            return Read(document, buffer, buffer.AsMemory(jsonLength, length - jsonLength), headerLength is not null);
        }
        catch
        {
            document?.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
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

    private static InferRequest Read(JsonDocument document, byte[] body, ReadOnlyMemory<byte> binary, bool binaryBody)
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
        AssignBinaryData(inputs, binary, binaryBody);
        bool binaryOutput = root.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && ReadFlag(parameters, "binary_data_output", "request parameter") is true;
        var outputs = root.TryGetProperty("outputs", out var outputsElement) && outputsElement.ValueKind != JsonValueKind.Null
            ? ReadOutputs(outputsElement, binaryOutput)
            : [];
        return new InferRequest(document, body, id, inputs, outputs, binaryOutput);
    }

    /// <summary>Hands each input that declared binary_data_size its bytes, in input order; every byte must be claimed.</summary>
    private static void AssignBinaryData(RequestInput[] inputs, ReadOnlyMemory<byte> binary, bool binaryBody)
    {
        int offset = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].BinaryDataSize is not { } size) continue;
            if (!binaryBody)
                throw new InferenceRequestException(
                    $"input '{inputs[i].Name}': binary_data_size needs the Inference-Header-Content-Length header giving the length of the JSON part of the body");
            if (size > binary.Length - offset)
                throw new InferenceRequestException(
                    $"input '{inputs[i].Name}': binary_data_size {size} runs past the end of the body ({binary.Length - offset} bytes of binary data are left)");
            inputs[i] = inputs[i] with { Binary = binary.Slice(offset, size) };
            offset += size;
        }
        if (offset != binary.Length)
            throw new InferenceRequestException(
                $"the body has {binary.Length - offset} bytes of binary data after the JSON header that no input's binary_data_size claims (Inference-Header-Content-Length wrong?)");
    }

    /// <summary>A boolean parameter: true, false, or null when absent; anything else is refused naming it.</summary>
    private static bool? ReadFlag(JsonElement parameters, string name, string where) =>
        !parameters.TryGetProperty(name, out var flag) ? null : flag.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InferenceRequestException($"{where} '{name}' must be true or false, got {flag.GetRawText()}"),
        };

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
        bool hasData = input.TryGetProperty("data", out var data);
        if (input.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("binary_data_size", out var sizeElement))
        {
            if (sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt32(out var size) || size < 0)
                throw new InferenceRequestException($"{where}: binary_data_size must be a non-negative integer, got {sizeElement.GetRawText()}");
            if (hasData)
                throw new InferenceRequestException($"{where} has both 'data' and binary_data_size; send one or the other");
            return new RequestInput(name, shape, dataType, default) { BinaryDataSize = size };
        }
        if (!hasData)
            throw new InferenceRequestException($"{where} must have 'data'");
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

    private static RequestedOutput[] ReadOutputs(JsonElement outputs, bool binaryOutput)
    {
        if (outputs.ValueKind != JsonValueKind.Array)
            throw new InferenceRequestException($"'outputs' must be an array, got {Describe(outputs.ValueKind)}");
        return outputs.EnumerateArray().Select((output, index) =>
        {
            if (output.ValueKind != JsonValueKind.Object || !output.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw new InferenceRequestException($"outputs[{index}] must be an object with a string 'name'");
            int classification = 0;
            bool binary = binaryOutput;
            if (output.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
            {
                if (parameters.TryGetProperty("classification", out var k)
                    && (k.ValueKind != JsonValueKind.Number || !k.TryGetInt32(out classification) || classification < 1))
                    throw new InferenceRequestException($"output '{name.GetString()}': parameter 'classification' must be a positive integer, got {k.GetRawText()}");
                binary = ReadFlag(parameters, "binary_data", $"output '{name.GetString()}': parameter") ?? binaryOutput;
            }
            return new RequestedOutput(name.GetString()!, classification, binary);
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
