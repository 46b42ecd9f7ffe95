using Toolchain.Serve.Protocol;

namespace Toolchain.Serve.Inference;

/// <summary>
/// A request that fits its model: one typed tensor for every model input, and the outputs to compute
/// (all of the model's, in its order, when the client named none).
/// </summary>
public sealed record ValidatedRequest(IReadOnlyList<InputTensor> Inputs, IReadOnlyList<RequestedOutput> Outputs)
{
    public IReadOnlyList<string> OutputNames => Outputs.Select(o => o.Name).ToArray();
}
