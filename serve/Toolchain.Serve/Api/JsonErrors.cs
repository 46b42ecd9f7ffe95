using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Api;

/// <summary>
/// The error chokepoint for everything the handlers do not answer themselves: unhandled exceptions (500,
/// or Kestrel's own status for a bad HTTP request such as an oversized body), unknown routes (404) and
/// wrong methods (405) all get the protocol's <c>{"error": "..."}</c> body instead of an empty one.
/// </summary>
public static class JsonErrors
{
    public static WebApplication UseJsonErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            ExceptionHandler = WriteException,
        });
        app.UseStatusCodePages(context => WriteStatus(context.HttpContext));
        return app;
    }

    /// <summary>Answers requests no route matched with 404 and the path that was asked for.</summary>
    public static IEndpointRouteBuilder MapJsonNotFound(this IEndpointRouteBuilder app)
    {
        app.MapFallback((HttpRequest request) =>
            TypedResults.NotFound(new ErrorResponse($"no route for {request.Method} {request.Path}; see GET /v2 and /v2/models/{{name}}")));
        return app;
    }

    private static Task WriteException(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var message = exception switch
        {
            BadHttpRequestException bad => bad.Message,
            null => "internal server error",
            _ => $"internal server error: {exception.Message}",
        };
        return context.Response.WriteAsJsonAsync(new ErrorResponse(message));
    }

    private static Task WriteStatus(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var reason = ReasonPhrases.GetReasonPhrase(status);
        return context.Response.WriteAsJsonAsync(new ErrorResponse($"{status} {reason}: {context.Request.Method} {context.Request.Path}"));
    }
}
