using System.CommandLine;
using Toolchain.Serve;
using Toolchain.Serve.Repository;

// SIGTERM and Ctrl-C are left to the web host, which stops accepting connections, lets requests in flight
// finish (up to --shutdown-timeout) and then returns here; System.CommandLine would cut that off after 2 s.
return await ServeCommand.Create(Serve).Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> Serve(ServeOptions options, CancellationToken cancel)
{
    InferenceServer server;
    try
    {
        server = InferenceServer.Create(options);
    }
    catch (Exception e) when (e is ModelLoadException or ArgumentException)
    {
        Console.Error.WriteLine($"toolchain-serve: {e.Message}");
        return 1;
    }
    await using (server)
    {
        foreach (var line in server.Models.Describe())
            Console.WriteLine($"Serving {line}");
        if (!server.Models.ModelNames.Any())
            Console.Error.WriteLine($"toolchain-serve: warning: '{options.ModelsDirectory}' holds no <name>/<version>/model.onnx; serving no models");
        if (!options.IsLoopback && options.Token is null)
            Console.Error.WriteLine($"toolchain-serve: warning: listening on {options.Host} without a token; anyone who can reach it can use it (set --token or {ServeOptions.TokenVariable})");
        try
        {
            await server.StartAsync(cancel);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"toolchain-serve: cannot listen on {options.Host}:{options.Port}: {e.Message}");
            return 1;
        }
        Console.WriteLine($"Listening on {server.Url!.GetLeftPart(UriPartial.Authority)}");
        await server.WaitForShutdownAsync(cancel);
        Console.WriteLine("Stopped");
    }
    return 0;
}
