using Microsoft.ML.OnnxRuntime;
using Toolchain.Serve.Protocol;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve.Inference;

/// <summary>
/// One ONNX Runtime run of validated inputs, whether for one request or a batch of them, with ONNX Runtime's
/// failures sorted into what the client did (400), what the client or its deadline stopped (cancelled),
/// and the rest (500, through the error chokepoint).
/// </summary>
public static class ModelRun
{
    public static IReadOnlyList<OutputTensor> Execute(ModelVersion model, IReadOnlyList<InputTensor> inputs, IReadOnlyList<string> outputNames, CancellationToken cancel)
    {
        try
        {
            return model.Run(inputs, outputNames, cancel);
        }
        catch (OnnxRuntimeException e) when (cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException("the client went away during inference", e, cancel);
        }
        catch (OnnxRuntimeException e) when (e.Message.StartsWith("[ErrorCode:InvalidArgument]", StringComparison.Ordinal))
        {
            // Inputs can fit every declared spec and still be refused by an operator (an index out of bounds
            // for a Gather, say). ONNX Runtime calls that an invalid argument: the client's error, so 400.
            throw new InferenceRequestException($"model '{model.Name}' version {model.Version} refused the inputs: {e.Message}");
        }
    }

    /// <summary>The outputs as the client asked for them: top-k classes in place of scores where it asked for classification.</summary>
    public static IReadOnlyList<OutputTensor> Present(ModelVersion model, IReadOnlyList<RequestedOutput> requested, IReadOnlyList<OutputTensor> outputs)
    {
        var result = new OutputTensor[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
            result[i] = requested[i].Classification > 0 ? Classification.TopK(outputs[i], requested[i].Classification, model.Labels) : outputs[i];
        return result;
    }
}
