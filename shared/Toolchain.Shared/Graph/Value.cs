namespace Toolchain.Graph;

/// <summary>A named value in a graph under construction: a graph input, an initializer or a node output.</summary>
public sealed record Value(string Name)
{
    public override string ToString() => Name;
}
