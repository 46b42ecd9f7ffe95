namespace Toolchain.Serve.Repository;

/// <summary>Where sessions run: ONNX Runtime's CPU provider, or its CUDA provider with the CPU one as fallback.</summary>
public enum ExecutionDevice
{
    Cpu,
    Cuda,
}
