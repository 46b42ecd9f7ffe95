namespace Toolchain.Serve.Inference;

/// <summary>
/// Server-wide rules every input must meet besides fitting the model: the largest batch (0 = none beyond the
/// model's own max_batch_size) and whether NaN and infinities are accepted in floating-point inputs.
/// </summary>
public sealed record ValidationRules(int MaxBatchSize, bool AllowNonFinite);
