namespace Toolchain.Graph;

/// <summary>One dimension of a tensor shape: a known size, a named symbolic size, or unknown.</summary>
public readonly record struct Dim(long Size, string? Symbol)
{
    public static readonly Dim Unknown = new(-1, null);

    public static Dim Named(string symbol) => new(-1, symbol);

    public static implicit operator Dim(long size) => new(size, null);

    public bool IsKnown => Size >= 0;

    /// <summary>True when both dimensions are provably the same size at run time.</summary>
    public bool SameAs(Dim other) => IsKnown ? other.IsKnown && Size == other.Size : Symbol is not null && Symbol == other.Symbol;

    public override string ToString() => IsKnown ? Size.ToString() : Symbol ?? "?";
}
