using Microsoft.ML.OnnxRuntime;
using Toolchain.Checkpoints;
using Toolchain.Train.Artifacts;

namespace Toolchain.Train.Training;

/// <summary>
/// Parameters and optimizer state held in two OrtValue sets: a step reads one set and writes the
/// other, then the roles swap, so nothing is copied between steps.
/// </summary>
public sealed class ParameterState : IDisposable
{
    private readonly List<(string Name, float[][] Buffers, OrtValue[] Values)> slots = [];
    private readonly HashSet<string> buffers = new(StringComparer.Ordinal);

    public ParameterState(ArtifactManifest manifest, IReadOnlyDictionary<string, FloatTensor> parameters, IReadOnlyDictionary<string, FloatTensor>? optimizerState)
    {
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

    /// <summary>Parameters and optimizer state: what the optimizer graph reads and writes.</summary>
    public IEnumerable<(string Name, OrtValue Current, OrtValue Next)> OptimizerPairs => Pairs.Where(p => !buffers.Contains(p.Name));

    /// <summary>Overwrites a buffer's current value (gradient accumulation updates running statistics per micro-batch).</summary>
    public void SetCurrent(string name, ReadOnlySpan<float> values) => values.CopyTo(slots.First(s => s.Name == name).Buffers[Current]);

    /// <summary>Carries a buffer's current value into the other set before a swap.</summary>
    public void CarryOver(string name)
    {
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
        slots.ToDictionary(s => s.Name, s => new FloatTensor(
            s.Values[Current].GetTensorTypeAndShape().Shape, (float[])s.Buffers[Current].Clone()));

    private void Add(string name, long[] shape, float[] initial)
    {
        var buffers = new[] { (float[])initial.Clone(), new float[initial.Length] };
        var values = buffers.Select(b => OrtValue.CreateTensorValueFromMemory(b, shape)).ToArray();
        slots.Add((name, buffers, values));
    }

    private static float[] Filled(long count, float value)
    {
        var data = new float[count];
        Array.Fill(data, value);
        return data;
    }

    public void Dispose()
    {
        foreach (var (_, _, values) in slots)
            foreach (var v in values) v.Dispose();
    }
}
