using System.CommandLine;
using System.Net;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve;

/// <summary>The toolchain-serve command line: options, their defaults and checks, parsed into <see cref="ServeOptions"/>.</summary>
public static class ServeCommand
{
    public static RootCommand Create(Func<ServeOptions, CancellationToken, Task<int>> run)
    {
        var host = new Option<string>("--host")
        {
            Description = "IP address to bind (127.0.0.1 keeps the server private to this machine; 0.0.0.0 exposes it)",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        host.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != "localhost" && !IPAddress.TryParse(value, out _))
                result.AddError($"--host: expected an IP address such as 127.0.0.1 or 0.0.0.0, or 'localhost'; got '{value}'");
        });
        var port = new Option<int>("--port")
        {
            Description = "TCP port; 0 picks a free one (the bound URL is printed on start-up)",
            DefaultValueFactory = _ => 8000,
        };
        port.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 0 or > 65535)
                result.AddError($"--port: expected 0 to 65535, got {value}");
        });
        var models = new Option<string>("--models")
        {
            Description = "model repository: <name>/config.pbtxt, <name>/labels.txt, <name>/<version>/model.onnx",
            DefaultValueFactory = _ => "models",
        };
        var device = new Option<string>("--device")
        {
            Description = "execution provider: cpu, or cuda (fails at start-up if CUDA cannot be used)",
            DefaultValueFactory = _ => "cpu",
        };
        device.AcceptOnlyFromAmong("cpu", "cuda");

        var root = new RootCommand("Serves every model in a repository over the Open Inference Protocol (KServe v2 REST).")
        {
            host, port, models, device,
        };
        root.SetAction((parsed, cancel) => run(
            new ServeOptions(parsed.GetValue(host)!, parsed.GetValue(port), parsed.GetValue(models)!,
                parsed.GetValue(device) == "cuda" ? ExecutionDevice.Cuda : ExecutionDevice.Cpu),
            cancel));
        return root;
    }
}
