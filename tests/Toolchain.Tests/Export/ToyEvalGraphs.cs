using Google.Protobuf;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Tests.Export;

internal enum EvalGraphKind
{
    /// <summary>input [batch,2,2] → Flatten → Gemm(fc.weight [3,4], fc.bias [3]) → logits.</summary>
    Linear,

    /// <summary>
    /// input → Flatten → Gemm(fc1) → BatchNormalization (training mode, running statistics as initializers)
    /// → Relu → Dropout (ratio 0.5, training mode on) → Gemm(fc2) → logits.
    /// </summary>
    BatchNormDropout,
}

/// <summary>Eval graphs as the trainer's contract describes them, at toy size, with a cross-entropy loss on labels.</summary>
internal static class ToyEvalGraphs
{
    public const float BatchNormEpsilon = 1e-3f;

    public static IReadOnlyList<(string Name, long[] Shape)> Parameters(EvalGraphKind kind) => kind switch
    {
        EvalGraphKind.Linear => [("fc.weight", [3, 4]), ("fc.bias", [3])],
        _ => [("fc1.weight", [4, 4]), ("fc1.bias", [4]), ("bn.weight", [4]), ("bn.bias", [4]), ("fc2.weight", [3, 4]), ("fc2.bias", [3])],
    };

    public static IReadOnlyList<(string Name, long[] Shape)> RunningStatistics(EvalGraphKind kind) => kind switch
    {
        EvalGraphKind.Linear => [],
        _ => [("bn.running_mean", [4]), ("bn.running_var", [4])],
    };

    public static ModelProto Build(EvalGraphKind kind)
    {
        var b = new GraphBuilder("tiny-mlp-eval");
        var batch = Dim.Named("batch");
        var input = b.Input("input", ElementType.Float, batch, 2, 2);
        var labels = b.Input("labels", ElementType.Int64, batch);
        var parameters = Parameters(kind).ToDictionary(p => p.Name, p => b.Input(p.Name, ElementType.Float, p.Shape.Select(d => (Dim)d).ToArray()));
        var x = b.Flatten(input);
        Value logits;
        if (kind == EvalGraphKind.Linear)
        {
            logits = b.Gemm(x, parameters["fc.weight"], parameters["fc.bias"], transB: true);
        }
        else
        {
            var runningMean = b.Initializer(TensorProtos.Floats("bn.running_mean", new float[4], 4));
            var runningVar = b.Initializer(TensorProtos.Floats("bn.running_var", [1f, 1f, 1f, 1f], 4));
            var h = b.Gemm(x, parameters["fc1.weight"], parameters["fc1.bias"], transB: true);
            var normalized = b.Node("BatchNormalization", [h, parameters["bn.weight"], parameters["bn.bias"], runningMean, runningVar], outputCount: 3,
                attributes: new Dictionary<string, object> { ["epsilon"] = BatchNormEpsilon, ["momentum"] = 0.9f, ["training_mode"] = 1L })[0];
            var trainingMode = b.Initializer(new TensorProto
            {
                Name = "dropout.training_mode", DataType = (int)ElementType.Bool, RawData = ByteString.CopyFrom(1),
            });
            var dropped = b.Node("Dropout", [b.Relu(normalized), b.Constant(0.5f), trainingMode], outputCount: 2)[0];
            logits = b.Gemm(dropped, parameters["fc2.weight"], parameters["fc2.bias"], transB: true);
        }
        var namedLogits = b.Output(logits, "logits");
        var loss = b.Node("NegativeLogLikelihoodLoss", [b.LogSoftmax(namedLogits, axis: 1), labels],
            attributes: new Dictionary<string, object> { ["reduction"] = "mean" })[0];
        b.Output(loss, "loss");
        return b.ToModel();
    }
}
