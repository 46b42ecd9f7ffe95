using System.Security.Cryptography;
using System.Text;
using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Api;

/// <summary>
/// When the server has a token, every request except the health probes (<c>/v2/health/*</c>, which load
/// balancers call without credentials) must carry <c>Authorization: Bearer &lt;token&gt;</c>; any other request
/// is answered 401 with <c>WWW-Authenticate: Bearer</c> and a JSON error, before routing, so it learns nothing
/// about the models. Tokens are compared in constant time.
/// </summary>
public static class BearerToken
{
    public static WebApplication UseBearerToken(this WebApplication app, string? token)
    {
        if (token is null) return app;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v2/health") || Presents(context.Request, expected))
                return next(context);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            var message = context.Request.Headers.Authorization.Count == 0
                ? "this server requires a bearer token: send 'Authorization: Bearer <token>'"
                : "the bearer token is missing or wrong";
            return context.Response.WriteAsJsonAsync(new ErrorResponse(message));
        });
        return app;
    }

    private static bool Presents(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
