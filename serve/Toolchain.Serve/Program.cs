using Toolchain.Serve;
using Toolchain.Serve.Repository;

return await ServeCommand.Create(Serve).Parse(args).InvokeAsync();

static async Task<int> Serve(ServeOptions options, CancellationToken cancel)
{
    InferenceServer server;
    try
    {
        server = InferenceServer.Create(options);
    }
    catch (ModelLoadException e)
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
    }
    return 0;
}
