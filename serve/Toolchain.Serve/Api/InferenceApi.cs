using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.HttpResults;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Protocol;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve.Api;

/// <summary>
/// The Open Inference Protocol v2 REST API (KServe v2, as NVIDIA Triton serves it). Errors are
/// <c>{"error": "..."}</c>: 404 for an unknown model or version, 503 for one that failed to load, 400 for a
/// request that does not fit the model; <see cref="Infer"/> lists the limits behind the other statuses.
/// </summary>
public static class InferenceApi
{
    public const string ServerName = "toolchain-serve";

    /// <summary>Protocol extensions implemented here (Triton's names).</summary>
    public static readonly IReadOnlyList<string> Extensions = ["classification", "binary_tensor_data"];

    public static IEndpointRouteBuilder MapInferenceApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2");
        v2.MapGet("/health/live", Live);
        v2.MapGet("/health/ready", Ready);
        v2.MapGet("", ServerMetadata);
        v2.MapGet("/models/{name}", ModelMetadata);
        v2.MapGet("/models/{name}/versions/{version}", ModelMetadata);
        v2.MapGet("/models/{name}/ready", ModelReady);
        v2.MapGet("/models/{name}/versions/{version}/ready", ModelReady);
        v2.MapPost("/models/{name}/infer", Infer);
        v2.MapPost("/models/{name}/versions/{version}/infer", Infer);
        return app;
    }

    /// <summary>Whether a path is an infer route (<c>/v2/models/{name}[/versions/{v}]/infer</c>).</summary>
    public static bool IsInferPath(PathString path) =>
        path.Value is { } value && value.StartsWith("/v2/models/", StringComparison.Ordinal) && value.EndsWith("/infer", StringComparison.Ordinal);

    /// <summary>The process is up and answering.</summary>
    public static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse(Live: true));

    /// <summary>Every model in the repository was loaded before the server started listening, so listening means ready.</summary>
    public static Ok<HealthResponse> Ready() => TypedResults.Ok(new HealthResponse(Ready: true));

    public static Ok<ServerMetadataResponse> ServerMetadata() =>
        TypedResults.Ok(new ServerMetadataResponse(ServerName, typeof(InferenceApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0", Extensions));

    public static Results<Ok<ModelMetadataResponse>, NotFound<ErrorResponse>, JsonHttpResult<ErrorResponse>> ModelMetadata(
        ModelAddress address, ModelRepository models)
    {
        var snapshot = models.Snapshot;
        if (!snapshot.TryFind(address.Name, address.Version, out var model, out var error))
            return error.Unavailable ? Unavailable(error.Message) : TypedResults.NotFound(new ErrorResponse(error.Message));
        var entry = snapshot.Models[model.Name];
        var versions = address.Version is null ? entry.Versions.Keys.Select(v => v.ToString()).ToArray() : [model.Version.ToString()];
        var loadErrors = entry.Failures
            .Where(f => address.Version is null || f.Key == model.Version)
            .ToDictionary(f => f.Key.ToString(), f => f.Value.Message);
        return TypedResults.Ok(new ModelMetadataResponse(
            model.Name,
            versions,
            model.Config.Platform,
            model.Inputs.Select(TensorMetadata.From).ToArray(),
            model.Outputs.Select(TensorMetadata.From).ToArray(),
            model.Labels.Count > 0 ? model.Labels : null,
            model.Properties.Count > 0 ? model.Properties : null,
            loadErrors.Count > 0 ? loadErrors : null));
    }

    /// <summary>
    /// 200 with ready true for a loaded version; for a version folder that failed to load, the protocol's 4xx for
    /// "not ready" (400) with ready false and the reason; 404 for a model or version the repository does not have.
    /// </summary>
    public static Results<Ok<ModelReadyResponse>, BadRequest<ModelReadyResponse>, NotFound<ErrorResponse>> ModelReady(
        ModelAddress address, ModelRepository models)
    {
        var snapshot = models.Snapshot;
        if (snapshot.TryFind(address.Name, address.Version, out var model, out var error))
            return TypedResults.Ok(new ModelReadyResponse(model.Name, model.Version.ToString(), Ready: true));
        if (!error.Unavailable)
            return TypedResults.NotFound(new ErrorResponse(error.Message));
        var version = address.Version ?? snapshot.Models[address.Name].Failures.Keys.Last().ToString();
        return TypedResults.BadRequest(new ModelReadyResponse(address.Name, version, Ready: false, error.Message));
    }

    /// <summary>
    /// One infer call, bounded at every step: a JSON body (415 otherwise) for a model that is loaded (404, or 503
    /// for one that failed to load), a slot among --max-concurrency (503 with Retry-After when the queue is full or
    /// the wait runs out), a body within --max-request-bytes (413), inputs that fit the model and the server's rules
    /// (400, before ONNX Runtime runs), and all of it within --request-timeout (408 while reading the body, 504 once
    /// the model runs, which is then terminated). A failure inside the model goes to the 500 chokepoint in
    /// <see cref="JsonErrors"/>. The request holds a lease on its model version throughout, so a reload that
    /// replaces or removes the version never pulls the session from under it.
    /// </summary>
    public static async Task<Results<InferResult, BadRequest<ErrorResponse>, NotFound<ErrorResponse>, RetryLater, JsonHttpResult<ErrorResponse>>> Infer(
        ModelAddress address, HttpRequest http, ModelRepository models, InferenceSlots slots, ServeOptions options,
        InferenceMetrics metrics, CancellationToken cancel)
    {
        long? headerLength = null;
        if (http.Headers.TryGetValue(InferResult.HeaderLengthHeader, out var headerValue))
        {
            if (!long.TryParse(headerValue, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
                return TypedResults.BadRequest(new ErrorResponse($"{InferResult.HeaderLengthHeader} must be a non-negative integer, got '{Shorten(headerValue.ToString())}'"));
            headerLength = length;
        }
        else if (!IsJson(http.ContentType))
            return TypedResults.Json(new ErrorResponse($"request body must be JSON (Content-Type: application/json), got '{Shorten(http.ContentType!)}'"),
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        if (!models.TryAcquire(address.Name, address.Version, out var lease, out var missing))
            return missing.Unavailable ? Unavailable(missing.Message) : TypedResults.NotFound(new ErrorResponse(missing.Message));
        using var leased = lease;
        var model = lease.Model;
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(options.RequestTimeout);
        var wait = Min(options.QueueTimeout, options.RequestTimeout);
        var (slot, refusal) = await slots.EnterAsync(wait, cancel);
        if (slot is null)
        {
            metrics.Record(model, "busy", Stopwatch.GetElapsedTime(started), 0);
            return new RetryLater(refusal == InferenceSlots.Refusal.QueueFull
                ? $"the server is busy: its queue is full ({options.MaxConcurrency} running, {options.MaxQueue} waiting; --max-concurrency, --max-queue); retry shortly"
                : $"the server is busy: no slot came free within {wait.TotalSeconds:0.###} s (--queue-timeout); retry shortly");
        }
        long batch = 0;
        bool running = false;
        try
        {
            using var request = await InferRequestReader.ReadAsync(http.Body, Math.Min(http.ContentLength ?? 0, options.MaxRequestBodyBytes), headerLength, deadline.Token);
            var validated = RequestValidator.Validate(model, request, options.Validation);
            batch = validated.Inputs.FirstOrDefault()?.Shape.FirstOrDefault() ?? 0;
            running = true;
            IReadOnlyList<OutputTensor> outputs;
            if (model.Batcher is { } batcher && batcher.Accepts(validated))
            {
                // The slot bounded reading and validating; from here the batcher's queue bounds the request,
                // and its batch may hold many more requests than there are slots.
                slot.Dispose();
                slot = null;
                var item = new BatchItem(validated, deadline.Token);
                if (!batcher.TryEnqueue(item))
                {
                    metrics.Record(model, "busy", Stopwatch.GetElapsedTime(started), 0);
                    return new RetryLater($"the server is busy: model '{model.Name}' has {DynamicBatcher.QueueBatches} × max_batch_size requests waiting to be batched; retry shortly");
                }
                outputs = await item.Result.WaitAsync(deadline.Token);
                metrics.RecordBatch(model, item);
            }
            else
            {
                outputs = ModelRun.Execute(model, validated.Inputs, validated.OutputNames, deadline.Token);
            }
            outputs = ModelRun.Present(model, validated.Outputs, outputs);
            metrics.Record(model, "ok", Stopwatch.GetElapsedTime(started), batch);
            return new InferResult(model.Name, model.Version.ToString(), request.Id, outputs, validated.Outputs);
        }
        catch (InferenceRequestException e)
        {
            metrics.Record(model, "bad_request", Stopwatch.GetElapsedTime(started), 0);
            return TypedResults.BadRequest(new ErrorResponse(e.Message));
        }
        catch (BadHttpRequestException e) when (!cancel.IsCancellationRequested)
        {
            // Kestrel's own verdict on the body: 413 past --max-request-bytes, 400 when it ends early.
            metrics.Record(model, "bad_request", Stopwatch.GetElapsedTime(started), 0);
            return TypedResults.Json(new ErrorResponse(e.Message), statusCode: e.StatusCode);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested)
        {
            metrics.Record(model, "timeout", Stopwatch.GetElapsedTime(started), batch);
            var limit = $"{options.RequestTimeout.TotalSeconds:0.###} s (--request-timeout)";
            return running
                ? TypedResults.Json(new ErrorResponse($"model '{model.Name}' version {model.Version} did not finish within {limit}; the run was stopped"),
                    statusCode: StatusCodes.Status504GatewayTimeout)
                : TypedResults.Json(new ErrorResponse($"the request body did not arrive within {limit}"),
                    statusCode: StatusCodes.Status408RequestTimeout);
        }
        catch (Exception) when (!cancel.IsCancellationRequested)
        {
            metrics.Record(model, "error", Stopwatch.GetElapsedTime(started), batch);
            throw;
        }
        finally
        {
            slot?.Dispose();
        }
    }

    /// <summary>application/json (or any +json type) in UTF-8, or no Content-Type at all.</summary>
    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return true;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType is not { } type) return false;
        var json = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        return json && (media.CharSet is null || media.CharSet.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    private static JsonHttpResult<ErrorResponse> Unavailable(string message) =>
        TypedResults.Json(new ErrorResponse(message), statusCode: StatusCodes.Status503ServiceUnavailable);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Shorten(string text) => text.Length > 80 ? text[..77] + "..." : text;
}
