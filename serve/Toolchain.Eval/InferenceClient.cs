using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Toolchain.Eval;

/// <summary>
/// A client for an Open Inference Protocol (KServe v2 REST) server: reads model metadata and classifies
/// batches of images. Every failure becomes an <see cref="EvalException"/> that says what was asked of
/// which server and what went wrong (unreachable, timed out, or the server's own error message).
/// </summary>
public sealed class InferenceClient : IDisposable
{
    private readonly HttpClient http;

    public InferenceClient(Uri url, TimeSpan? timeout = null)
    {
        // A trailing slash keeps a path prefix (http://host/prefix) when the v2 routes are appended.
        Url = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        http = new HttpClient { BaseAddress = Url, Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    public Uri Url { get; }

    public async Task<RemoteModel> GetModelAsync(string model, CancellationToken cancel)
    {
        using var document = await SendAsync(HttpMethod.Get, $"v2/models/{Uri.EscapeDataString(model)}", null, $"metadata of model '{model}'", cancel);
        return RemoteModel.FromMetadata(document.RootElement);
    }

    /// <summary>Sends <paramref name="count"/> images in one infer request and returns the predicted class of each.</summary>
    public async Task<long[]> ClassifyAsync(RemoteModel model, ReadOnlyMemory<byte> pixels, int count, int pixelsPerImage, string requestId, CancellationToken cancel)
    {
        var body = InferRequestBody(model, pixels.Span, model.BatchShape(count, pixelsPerImage), requestId);
        var path = $"v2/models/{Uri.EscapeDataString(model.Name)}/versions/{Uri.EscapeDataString(model.Version)}/infer";
        using var document = await SendAsync(HttpMethod.Post, path, body, $"infer on model '{model.Name}' (request {requestId})", cancel);
        var output = document.RootElement.GetProperty("outputs").EnumerateArray()
            .FirstOrDefault(o => o.GetProperty("name").GetString() == model.OutputName);
        if (output.ValueKind != JsonValueKind.Object)
            throw new EvalException($"server at {Url} answered request {requestId} without output '{model.OutputName}'");
        var data = output.GetProperty("data").EnumerateArray().ToArray();
        return model.OutputIsScores ? ArgMaxRows(data, count, model, requestId) : data.Select(d => d.GetInt64()).ToArray();
    }

    public void Dispose() => http.Dispose();

    private static byte[] InferRequestBody(RemoteModel model, ReadOnlySpan<byte> pixels, long[] shape, string requestId)
    {
        using var buffer = new MemoryStream(pixels.Length * 4 + 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", requestId);
            json.WriteStartArray("inputs");
            json.WriteStartObject();
            json.WriteString("name", model.InputName);
            json.WriteString("datatype", model.InputDatatype);
            json.WriteStartArray("shape");
            foreach (var d in shape) json.WriteNumberValue(d);
            json.WriteEndArray();
            json.WriteStartArray("data");
            foreach (var p in pixels) json.WriteNumberValue(p);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartArray("outputs");
            json.WriteStartObject();
            json.WriteString("name", model.OutputName);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static long[] ArgMaxRows(JsonElement[] data, int rows, RemoteModel model, string requestId)
    {
        if (rows == 0) return [];
        if (data.Length % rows != 0)
            throw new EvalException($"output '{model.OutputName}' of request {requestId} has {data.Length} values, not a multiple of {rows} rows");
        int classes = data.Length / rows;
        var predictions = new long[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                var score = data[r * classes + c].ValueKind == JsonValueKind.Number ? data[r * classes + c].GetDouble() : double.NaN;
                if (score > bestScore) (best, bestScore) = (c, score);
            }
            predictions[r] = best;
        }
        return predictions;
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, byte[]? body, string what, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancel);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new EvalException($"cannot reach the inference server at {Url}: {e.Message} (is it running? start it with `make serve`)", e);
        }
        catch (HttpRequestException e)
        {
            throw new EvalException($"{what} at {Url} failed: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancel.IsCancellationRequested)
        {
            throw new EvalException($"{what} at {Url} timed out after {http.Timeout.TotalSeconds:0} s", e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancel);
            JsonDocument? document = null;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                // Reported below, with the status.
            }
            if (response.IsSuccessStatusCode && document is not null)
                return document;
            var error = document is not null && document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var e) ? e.ToString() : Truncate(text);
            document?.Dispose();
            throw new EvalException($"{what}: server at {Url} answered {(int)response.StatusCode} {response.StatusCode}: {error}");
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
