namespace Toolchain.Train.Data;

/// <summary>
/// A small counter-seeded random stream (SplitMix64) for one augmented sample: the same (seed, step,
/// position) always gives the same numbers, on every machine, with no allocation. Seeding by the step
/// and the sample's position in the batch means a resumed run, and a gradient-accumulating run, see
/// exactly the augmentation an uninterrupted one does.
/// </summary>
public struct SampleRandom
{
    private ulong state;

    public SampleRandom(int seed, long step, int position)
    {
        state = Mix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)step + 0x632BE59BD9B4E019UL) ^ Mix((ulong)(uint)position * 0xD1B54A32D192ED03UL + 1));
    }

    public ulong NextBits()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [low, high] (both inclusive).</summary>
    public int NextInt(int low, int high) => low + (int)(NextBits() % (ulong)(high - low + 1));

    /// <summary>Two independent standard normals (Box–Muller).</summary>
    public (float A, float B) NextGaussianPair()
    {
        float radius = MathF.Sqrt(-2f * MathF.Log(1f - NextSingle()));
        var (sin, cos) = MathF.SinCos(2f * MathF.PI * NextSingle());
        return (radius * cos, radius * sin);
    }

    /// <summary>Uniform in [0, 1) with float precision (24 random bits).</summary>
    public float NextSingle() => (NextBits() >> 40) * (1f / (1 << 24));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
