using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Api;

/// <summary>
/// A successful infer response, written straight from the output arrays: the JSON goes through a
/// <see cref="Utf8JsonWriter"/> into a per-thread buffer (so its Content-Length is known without chunking and no
/// object graph or string is built), and outputs asked for as binary data follow it as raw bytes, with
/// Triton's <c>Inference-Header-Content-Length</c> giving the JSON's length.
/// </summary>
public sealed class InferResult(string model, string version, string? id, IReadOnlyList<OutputTensor> outputs, IReadOnlyList<RequestedOutput> requested)
    : IResult, IEndpointMetadataProvider
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    // Serialising is synchronous and finishes before the first await, so one buffer and writer per thread suffice.
    private const int MaxKeptBuffer = 1 << 20;

    [ThreadStatic] private static ArrayBufferWriter<byte>? buffer;
    [ThreadStatic] private static Utf8JsonWriter? json;

    public IReadOnlyList<OutputTensor> Outputs => outputs;

    public Task ExecuteAsync(HttpContext context)
    {
        var header = buffer ??= new ArrayBufferWriter<byte>(4096);
        header.ResetWrittenCount();
        var writer = json ??= new Utf8JsonWriter(header, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(header);
        long binaryLength = WriteHeader(writer);
        writer.Flush();

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = header.WrittenCount + binaryLength;
        if (binaryLength > 0 || requested.Any(r => r.Binary))
        {
            response.ContentType = "application/octet-stream";
            response.Headers[HeaderLengthHeader] = header.WrittenCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            response.ContentType = "application/json; charset=utf-8";
        }
        var body = response.BodyWriter;
        body.Write(header.WrittenSpan);
        // A rare huge response should not pin its buffer to the thread for good.
        if (header.Capacity > MaxKeptBuffer) buffer = null;
        for (int i = 0; i < outputs.Count; i++)
            if (requested[i].Binary) BinaryTensorData.Write(outputs[i], body);
        return body.FlushAsync(context.RequestAborted).AsTask();
    }

    /// <summary>Writes the JSON part; returns the length of the binary part that follows it.</summary>
    private long WriteHeader(Utf8JsonWriter writer)
    {
        long binaryLength = 0;
        writer.WriteStartObject();
        writer.WriteString("model_name"u8, model);
        writer.WriteString("model_version"u8, version);
        if (id is not null) writer.WriteString("id"u8, id);
        writer.WriteStartArray("outputs"u8);
        for (int i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            writer.WriteStartObject();
            writer.WriteString("name"u8, output.Name);
            writer.WriteString("datatype"u8, output.Datatype);
            writer.WriteStartArray("shape"u8);
            foreach (var d in output.Shape) writer.WriteNumberValue(d);
            writer.WriteEndArray();
            if (requested[i].Binary)
            {
                long size = BinaryTensorData.SizeOf(output);
                binaryLength += size;
                writer.WriteStartObject("parameters"u8);
                writer.WriteNumber("binary_data_size"u8, size);
                writer.WriteEndObject();
            }
            else
            {
                writer.WritePropertyName("data"u8);
                JsonTensorData.Write(writer, output.Data);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        return binaryLength;
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(InferResponse), ["application/json", "application/octet-stream"]));
}
