using Toolchain.Serve.Repository;

namespace Toolchain.Serve;

/// <summary>How to run the server: where to listen, which repository to serve, on which device.</summary>
public sealed record ServeOptions(string Host = "127.0.0.1", int Port = 8000, string ModelsDirectory = "models", ExecutionDevice Device = ExecutionDevice.Cpu)
{
    /// <summary>Largest request body accepted, in bytes (a 256-image batch of 28x28 pixels is about 1 MB of JSON).</summary>
    public long MaxRequestBodyBytes { get; init; } = 64L << 20;
}
