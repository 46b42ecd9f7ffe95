using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Training;

/// <summary>
/// Float tensors kept in an execution provider's own memory (the GPU's, for CUDA), so that a train step reads
/// and writes parameters and optimizer state where its kernels run instead of copying them across PCIe twice a
/// step. ONNX Runtime's C# API copies between devices only inside a run, so host transfers go through a
/// one-node Identity session on the same provider.
/// </summary>
public sealed class DeviceMemory : IDisposable
{
    private const string CopyInput = "x", CopyOutput = "y";

    private readonly InferenceSession copySession;
    private readonly OrtAllocator allocator;
    private readonly List<OrtMemoryAllocation> allocations = [];
    private readonly List<DeviceTensor> tensors = [];
    private readonly RunOptions runOptions = new();
    private readonly OrtAllocator? hostAllocator;

    public DeviceMemory(string device)
    {
        Device = device;
        MemoryInfo = device == "cuda"
            ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.Default)
            : OrtMemoryInfo.DefaultInstance;
        copySession = SessionFactory.Create(CopyModel(), device, threads: 1);
        allocator = new OrtAllocator(copySession, MemoryInfo);
        if (device == "cuda") (HostMemoryInfo, hostAllocator) = PinnedAllocator(copySession);
    }

    /// <summary>The provider's page-locked host memory, which it copies to the device without staging; null where it has none.</summary>
    public OrtMemoryInfo? HostMemoryInfo { get; }

    public string Device { get; }

    public OrtMemoryInfo MemoryInfo { get; }

    /// <summary>An uninitialised tensor of <paramref name="shape"/> in this memory; freed with this object.</summary>
    public DeviceTensor Allocate(long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var allocation = allocator.Allocate(checked((uint)(Math.Max(1, count) * sizeof(float))));
        allocations.Add(allocation);
        long bytes = count * sizeof(float);
        var tensor = new DeviceTensor(
            OrtValue.CreateTensorValueWithData(MemoryInfo, TensorElementType.Float, shape, allocation.DangerousGetHandle(), bytes),
            OrtValue.CreateTensorValueWithData(MemoryInfo, TensorElementType.Float, [count], allocation.DangerousGetHandle(), bytes),
            count);
        tensors.Add(tensor);
        return tensor;
    }

    /// <summary>Page-locked host memory for <paramref name="count"/> floats (a batch the device reads every step), freed
    /// with this object; zero where the provider has none.</summary>
    public IntPtr AllocateHost(long count)
    {
        if (hostAllocator is null) return IntPtr.Zero;
        var allocation = hostAllocator.Allocate(checked((uint)(Math.Max(1, count) * sizeof(float))));
        allocations.Add(allocation);
        return allocation.DangerousGetHandle();
    }

    private static (OrtMemoryInfo?, OrtAllocator?) PinnedAllocator(InferenceSession session)
    {
        var info = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.CpuOutput);
        try { return (info, new OrtAllocator(session, info)); }
        catch (OnnxRuntimeException)
        {
            // Pageable memory works too, through the driver's staging copies.
            info.Dispose();
            return (null, null);
        }
    }

    public void Upload(float[] source, DeviceTensor target)
    {
        using var host = OrtValue.CreateTensorValueFromMemory(source, [target.Count]);
        Copy(host, target.Flat);
    }

    public void Download(DeviceTensor source, float[] target)
    {
        using var host = OrtValue.CreateTensorValueFromMemory(target, [source.Count]);
        Copy(source.Flat, host);
    }

    private void Copy(OrtValue from, OrtValue to)
    {
        using var binding = copySession.CreateIoBinding();
        binding.BindInput(CopyInput, from);
        binding.BindOutput(CopyOutput, to);
        copySession.RunWithBinding(runOptions, binding);
        binding.SynchronizeBoundOutputs();
    }

    private static byte[] CopyModel()
    {
        var graph = new GraphBuilder("device_copy");
        var input = graph.Input(CopyInput, ElementType.Float, Dim.Named("n"));
        graph.Output(graph.Identity(input), CopyOutput);
        return graph.ToModel().ToByteArray();
    }

    public void Dispose()
    {
        foreach (var t in tensors) { t.Value.Dispose(); t.Flat.Dispose(); }
        foreach (var a in allocations) a.Dispose();
        hostAllocator?.Dispose();
        HostMemoryInfo?.Dispose();
        allocator.Dispose();
        copySession.Dispose();
        runOptions.Dispose();
        if (!ReferenceEquals(MemoryInfo, OrtMemoryInfo.DefaultInstance)) MemoryInfo.Dispose();
    }
}

/// <summary>A tensor in <see cref="DeviceMemory"/>: its shaped value and a flat view of the same memory for copies.</summary>
public sealed record DeviceTensor(OrtValue Value, OrtValue Flat, long Count);
