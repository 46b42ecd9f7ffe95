using Microsoft.ML.OnnxRuntime;

namespace Toolchain.Train.Training;

/// <summary>Creates ONNX Runtime sessions on the requested device: the CPU EP, or the CUDA EP with a clear error when it is not usable.</summary>
public static class SessionFactory
{
    public static InferenceSession Create(string modelPath, string device, int threads) =>
        Create(options => new InferenceSession(modelPath, options), device, threads);

    public static InferenceSession Create(byte[] model, string device, int threads) =>
        Create(options => new InferenceSession(model, options), device, threads);

    private static InferenceSession Create(Func<SessionOptions, InferenceSession> open, string device, int threads)
    {
        var options = CpuOptions(threads);
        try
        {
            if (device == "cuda")
            {
                try { AppendCuda(options); }
                catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
                {
                    throw new InvalidOperationException(
                        $"training.device is cuda, but ONNX Runtime's CUDA execution provider cannot start here: {e.Message}. " +
                        "It needs an NVIDIA GPU with its driver, CUDA 13 and cuDNN 9 libraries on the library path; use --device cpu otherwise.", e);
                }
            }
            return open(options);
        }
        finally
        {
            options.Dispose();
        }
    }

    private static void AppendCuda(SessionOptions options)
    {
        using var cuda = new OrtCUDAProviderOptions();
        // Full FP32 matrix products, as PyTorch computes them by default: TF32 rounds the inputs to 10 mantissa bits,
        // and the tiled MaxPool gradient finds each window's maximum by comparing x with a Gemm-spread copy of it.
        cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = "0", ["use_tf32"] = "0" });
        options.AppendExecutionProvider_CUDA(cuda);
    }

    /// <summary>The session options of every training session (the caller disposes them).</summary>
    public static SessionOptions CpuOptions(int threads)
    {
        var options = new SessionOptions
        {
            // EXTENDED rather than ALL: ALL adds the NCHWc layout transformer, whose reorders around the forward
            // MaxPools cost the train step more than they save (fashion-cnn 1.06-1.11x, fashion-mlp 1.02-1.05x faster without).
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
        };
        // The moments of weights that stop receiving gradient (dead ReLU units) decay into the denormal range, where
        // every arithmetic instruction takes a slow path; flushed to zero they change no update measurably.
        options.AddSessionConfigEntry("session.set_denormal_as_zero", "1");
        return options;
    }
}
