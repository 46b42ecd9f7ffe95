namespace Toolchain.Graph;

/// <summary>What the builder knows statically about a value: its element type and, when known, its shape.</summary>
public sealed record TensorType(ElementType Element, Dim[]? Shape)
{
    public int? Rank => Shape?.Length;

    public bool HasKnownShape => Shape is not null && Shape.All(d => d.IsKnown);

    public TensorType WithShape(Dim[]? shape) => this with { Shape = shape };

    public override string ToString() => $"{Element}[{(Shape is null ? "?" : string.Join(",", Shape))}]";
}
