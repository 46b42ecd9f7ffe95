using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Api;

/// <summary>503 Service Unavailable with <c>Retry-After</c> and a JSON error: the server is at capacity, try again shortly.</summary>
public sealed class RetryLater(string message, int retryAfterSeconds = 1) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ErrorResponse>, IEndpointMetadataProvider
{
    public int StatusCode => StatusCodes.Status503ServiceUnavailable;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public ErrorResponse Value { get; } = new(message);

    object? IValueHttpResult.Value => Value;

    public int RetryAfterSeconds { get; } = retryAfterSeconds;

    public Task ExecuteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCode;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return context.Response.WriteAsJsonAsync(Value);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(ErrorResponse), ["application/json"]));
}
