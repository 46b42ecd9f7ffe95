using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Protocol;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve.Api;

/// <summary>
/// The Open Inference Protocol v2 REST API (KServe v2, as NVIDIA Triton serves it). Errors are
/// <c>{"error": "..."}</c>: 404 for an unknown model or version, 400 for a request that does not fit the model.
/// </summary>
public static class InferenceApi
{
    public const string ServerName = "toolchain-serve";

    /// <summary>Protocol extensions implemented here (Triton's names).</summary>
    public static readonly IReadOnlyList<string> Extensions = ["classification"];

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

    /// <summary>The process is up and answering.</summary>
    public static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse(Live: true));

    /// <summary>Every model in the repository was loaded before the server started listening, so listening means ready.</summary>
    public static Ok<HealthResponse> Ready() => TypedResults.Ok(new HealthResponse(Ready: true));

    public static Ok<ServerMetadataResponse> ServerMetadata() =>
        TypedResults.Ok(new ServerMetadataResponse(ServerName, typeof(InferenceApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0", Extensions));

    public static Results<Ok<ModelMetadataResponse>, NotFound<ErrorResponse>> ModelMetadata(
        ModelAddress address, ModelRepository models)
    {
        if (!models.TryFind(address.Name, address.Version, out var model, out var error))
            return TypedResults.NotFound(new ErrorResponse(error));
        var versions = address.Version is null ? models.VersionsOf(model.Name).Select(v => v.ToString()).ToArray() : [model.Version.ToString()];
        return TypedResults.Ok(new ModelMetadataResponse(
            model.Name,
            versions,
            model.Config.Platform,
            model.Inputs.Select(TensorMetadata.From).ToArray(),
            model.Outputs.Select(TensorMetadata.From).ToArray(),
            model.Labels.Count > 0 ? model.Labels : null,
            model.Properties.Count > 0 ? model.Properties : null));
    }

    public static Results<Ok<ModelReadyResponse>, NotFound<ErrorResponse>> ModelReady(
        ModelAddress address, ModelRepository models) =>
        models.TryFind(address.Name, address.Version, out var model, out var error)
            ? TypedResults.Ok(new ModelReadyResponse(model.Name, model.Version.ToString(), Ready: true))
            : TypedResults.NotFound(new ErrorResponse(error));

    /// <summary>
    /// Reads the request, validates it against the model in one step, runs it, and encodes the outputs.
    /// A request that does not fit the model's declared inputs is answered 400 and never reaches ONNX Runtime;
    /// a failure inside the model goes to the 500 chokepoint in <see cref="JsonErrors"/>.
    /// </summary>
    public static async Task<Results<Ok<InferResponse>, BadRequest<ErrorResponse>, NotFound<ErrorResponse>>> Infer(
        ModelAddress address, HttpRequest http, ModelRepository models, InferenceMetrics metrics, CancellationToken cancel)
    {
        if (!models.TryFind(address.Name, address.Version, out var model, out var notFound))
            return TypedResults.NotFound(new ErrorResponse(notFound));
        var started = Stopwatch.GetTimestamp();
        long batch = 0;
        try
        {
            using var request = await InferRequestReader.ReadAsync(http.Body, cancel);
            var validated = RequestValidator.Validate(model, request);
            batch = validated.Inputs.FirstOrDefault()?.Shape.FirstOrDefault() ?? 0;
            var outputs = RunModel(model, validated, cancel);
            metrics.Record(model, "ok", Stopwatch.GetElapsedTime(started), batch);
            return TypedResults.Ok(new InferResponse(model.Name, model.Version.ToString(), request.Id, outputs));
        }
        catch (InferenceRequestException e)
        {
            metrics.Record(model, "bad_request", Stopwatch.GetElapsedTime(started), 0);
            return TypedResults.BadRequest(new ErrorResponse(e.Message));
        }
        catch (Exception) when (!cancel.IsCancellationRequested)
        {
            metrics.Record(model, "error", Stopwatch.GetElapsedTime(started), batch);
            throw;
        }
    }

    private static IReadOnlyList<OutputTensor> RunModel(ModelVersion model, ValidatedRequest request, CancellationToken cancel)
    {
        IReadOnlyList<OutputTensor> outputs;
        try
        {
            outputs = model.Run(request.Inputs, request.OutputNames, cancel);
        }
        catch (OnnxRuntimeException e) when (cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException("the client went away during inference", e, cancel);
        }
        catch (OnnxRuntimeException e) when (e.Message.StartsWith("[ErrorCode:InvalidArgument]", StringComparison.Ordinal))
        {
            // Inputs can fit every declared spec and still be refused by an operator (an index out of bounds
            // for a Gather, say). ONNX Runtime calls that an invalid argument: the client's error, so 400.
            throw new InferenceRequestException($"model '{model.Name}' version {model.Version} refused the inputs: {e.Message}");
        }
        return outputs.Select((output, i) => request.Outputs[i].Classification > 0
            ? Classification.TopK(output, request.Outputs[i].Classification, model.Labels)
            : output).ToArray();
    }
}
