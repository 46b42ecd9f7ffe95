using Microsoft.ML.OnnxRuntime;
using Toolchain.Checkpoints;
using Toolchain.Train.Artifacts;

namespace Toolchain.Train.Training;

/// <summary>
/// Parameters and optimizer state held in two OrtValue sets: a step reads one set and writes the
/// other, then the roles swap, so nothing is copied between steps. With <see cref="DeviceMemory"/> both sets live
/// in the execution provider's memory and the host arrays only stage checkpoints.
/// </summary>
public sealed class ParameterState : IDisposable
{
    private readonly List<(string Name, float[][] Buffers, OrtValue[] Values)> slots = [];
    private readonly HashSet<string> buffers = new(StringComparer.Ordinal);
    private readonly DeviceMemory? device;
    private readonly Dictionary<OrtValue, DeviceTensor> deviceTensors = [];

    public ParameterState(ArtifactManifest manifest, IReadOnlyDictionary<string, FloatTensor> parameters, IReadOnlyDictionary<string, FloatTensor>? optimizerState,
        DeviceMemory? device = null)
    {
        this.device = device;
        foreach (var p in manifest.Parameters)
        {
            var initial = parameters.TryGetValue(p.Name, out var t) ? t : throw new CheckpointException($"no value for parameter '{p.Name}'");
            if (!initial.Shape.SequenceEqual(p.Shape))
                throw new CheckpointException($"parameter '{p.Name}': expected shape [{string.Join(",", p.Shape)}], got {initial.ShapeText}");
            Add(p.Name, p.Shape, initial.Data);
            for (int s = 0; s < manifest.StateNames.Count; s++)
            {
                var key = ArtifactNames.CheckpointState(p.Name, manifest.StateNames[s]);
                var data = optimizerState?.GetValueOrDefault(key)?.Data ?? Filled(p.ElementCount, manifest.InitialStateValues[s]);
                if (data.LongLength != p.ElementCount)
                    throw new CheckpointException($"optimizer state '{key}': expected {p.ElementCount} elements, got {data.Length}");
                Add(ArtifactNames.State(p.Name, manifest.StateNames[s]), p.Shape, data);
            }
        }
        foreach (var b in manifest.Buffers)
        {
            var initial = parameters.TryGetValue(b.Name, out var t) ? t : throw new CheckpointException($"no value for buffer '{b.Name}'");
            Add(b.Name, b.Shape, initial.Data);
            buffers.Add(b.Name);
        }
    }

    /// <summary>Where the values live when not in host memory; null when they are host arrays.</summary>
    public DeviceMemory? Memory => device;

    /// <summary>Parameters and optimizer state: what the optimizer graph reads and writes.</summary>
    public IEnumerable<(string Name, OrtValue Current, OrtValue Next)> OptimizerPairs => Pairs.Where(p => !buffers.Contains(p.Name));

    /// <summary>Overwrites a buffer's current value (gradient accumulation updates running statistics per micro-batch).</summary>
    public void SetCurrent(string name, ReadOnlySpan<float> values)
    {
        RequireHostMemory();
        values.CopyTo(slots.First(s => s.Name == name).Buffers[Current]);
    }

    /// <summary>Carries a buffer's current value into the other set before a swap.</summary>
    public void CarryOver(string name)
    {
        RequireHostMemory();
        var slot = slots.First(s => s.Name == name);
        slot.Buffers[Current].CopyTo(slot.Buffers[1 - Current], 0);
    }

    /// <summary>Which of the two sets holds the current values (0 or 1).</summary>
    public int Current { get; private set; }

    /// <summary>Graph value names: every parameter and optimizer state tensor.</summary>
    public IEnumerable<string> Names => slots.Select(s => s.Name);

    public OrtValue Value(string name, int set) => slots.First(s => s.Name == name).Values[set];

    public IEnumerable<(string Name, OrtValue Current, OrtValue Next)> Pairs => slots.Select(s => (s.Name, s.Values[Current], s.Values[1 - Current]));

    public void Swap() => Current = 1 - Current;

    /// <summary>A copy of the current values, keyed by graph value name.</summary>
    public Dictionary<string, FloatTensor> Snapshot() =>
        slots.ToDictionary(s => s.Name, s =>
        {
            var current = s.Values[Current];
            if (device is not null) device.Download(deviceTensors[current], s.Buffers[Current]);
            return new FloatTensor(current.GetTensorTypeAndShape().Shape, (float[])s.Buffers[Current].Clone());
        });

    private void Add(string name, long[] shape, float[] initial)
    {
        if (device is null)
        {
            var buffers = new[] { (float[])initial.Clone(), new float[initial.Length] };
            slots.Add((name, buffers, buffers.Select(b => OrtValue.CreateTensorValueFromMemory(b, shape)).ToArray()));
            return;
        }
        // Device-resident values need one host array, to stage their snapshots: it serves as both sets' buffer.
        var staging = (float[])initial.Clone();
        var resident = new[] { device.Allocate(shape), device.Allocate(shape) };
        device.Upload(staging, resident[0]);
        foreach (var t in resident) deviceTensors[t.Value] = t;
        slots.Add((name, [staging, staging], resident.Select(t => t.Value).ToArray()));
    }

    private void RequireHostMemory()
    {
        if (device is not null)
            throw new InvalidOperationException($"parameters live in {device.Device} memory: running statistics cannot be set from the host");
    }

    private static float[] Filled(long count, float value)
    {
        var data = new float[count];
        Array.Fill(data, value);
        return data;
    }

    public void Dispose()
    {
        if (device is not null) return; // the DeviceMemory owns device-resident values and frees them with their memory
        foreach (var (_, _, values) in slots)
            foreach (var v in values) v.Dispose();
    }
}
