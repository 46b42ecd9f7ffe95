namespace Toolchain.Export.Variants;

/// <summary>One weight initializer the int8 transform replaced: its shape, the channel axis, and the largest |w − dequantised w|.</summary>
public sealed record QuantizedWeight(string Name, long[] Shape, int Axis, double MaxAbsError);
