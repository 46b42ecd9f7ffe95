namespace Toolchain.Train.Autodiff;

/// <summary>Returns one gradient per node input, null where the input gets none (integer inputs, shapes, masks).</summary>
public delegate Toolchain.Graph.Value?[] GradientRule(GradientContext context);
