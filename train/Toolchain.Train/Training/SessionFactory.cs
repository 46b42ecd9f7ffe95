using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Train.Training;

/// <summary>Creates ONNX Runtime sessions on the requested device: the CPU EP, or the CUDA EP with a clear error when it is not usable.</summary>
public static class SessionFactory
{
    public static InferenceSession Create(string modelPath, string device, int threads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
        };
        // The moments of weights that stop receiving gradient (dead ReLU units) decay into the denormal range, where
        // every arithmetic instruction takes a slow path; flushed to zero they change no update measurably.
        options.AddSessionConfigEntry("session.set_denormal_as_zero", "1");
        try
        {
            if (device == "cuda")
            {
                try { options.AppendExecutionProvider_CUDA(0); }
                catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    throw new InvalidOperationException(
                        $"training.device is cuda, but ONNX Runtime's CUDA execution provider cannot start here: {e.Message}. " +
                        "It needs an NVIDIA GPU with its driver, CUDA 12 and cuDNN 9 libraries on the library path; use --device cpu otherwise.", e);
                }
            }
            return new InferenceSession(modelPath, options);
        }
        finally
        {
            options.Dispose();
        }
    }
}
