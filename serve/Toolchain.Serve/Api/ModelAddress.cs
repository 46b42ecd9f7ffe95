using System.Reflection;

namespace Toolchain.Serve.Api;

/// <summary>
/// The model a request addresses: <c>/v2/models/{name}</c> (latest version) or
/// <c>/v2/models/{name}/versions/{version}</c>. Bound from the route, so one handler serves both forms.
/// </summary>
public readonly record struct ModelAddress(string Name, string? Version)
{
    public static ValueTask<ModelAddress> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var name = context.GetRouteValue("name") as string ?? "";
        var version = context.GetRouteValue("version") as string;
        return ValueTask.FromResult(new ModelAddress(name, version));
    }
}
