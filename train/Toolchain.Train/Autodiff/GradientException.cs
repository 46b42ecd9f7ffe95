namespace Toolchain.Train.Autodiff;

/// <summary>A graph that cannot be differentiated; the message names every op type and node at fault.</summary>
public sealed class GradientException(string message) : Exception(message);
