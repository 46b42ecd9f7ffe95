using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Serve.Repository;

/// <summary>Where sessions run: ONNX Runtime's CPU provider, or its CUDA provider with the CPU one as fallback.</summary>
public enum ExecutionDevice
{
    Cpu,
    Cuda,
}

/// <summary>Turns an <see cref="ExecutionDevice"/> into session options.</summary>
public static class ExecutionDevices
{
    public static SessionOptions CreateSessionOptions(ExecutionDevice device)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (device == ExecutionDevice.Cuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                options.Dispose();
                throw new ModelLoadException(
                    "--device cuda: ONNX Runtime's CUDA execution provider cannot be used on this machine " +
                    $"(it needs an NVIDIA GPU with CUDA 12 and cuDNN 9 libraries on the library path): {e.Message}", e);
            }
        }
        return options;
    }
}
