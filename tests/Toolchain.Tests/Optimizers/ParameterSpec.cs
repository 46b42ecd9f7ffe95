namespace Toolchain.Tests.Optimizers;

/// <summary>One parameter of the test graph: its name, shape and whether weight decay applies to it.</summary>
internal sealed record ParameterSpec(string Name, long[] Shape, bool Decays)
{
    public int Size => (int)Shape.Aggregate(1L, (a, b) => a * b);
}
