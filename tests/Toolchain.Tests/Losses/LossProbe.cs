using Toolchain.Graph;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Losses;

/// <summary>
/// A loss on the smallest model that has a parameter: output = input · wᵀ with input [4, 3] and w [2, 3].
/// Runs the generated training graph (loss and w.grad) and the eval graph (loss and output), so a test
/// can compare the loss with a closed form and the gradient with finite differences of the eval loss.
/// </summary>
internal sealed class LossProbe : IDisposable
{
    public const int Rows = 4, Inputs = 3, Outputs = 2;
    private readonly OnnxRunner training;
    private readonly OnnxRunner eval;

    public LossProbe(ILoss loss)
    {
        var g = new GraphBuilder("forward");
        var x = g.Input("input", ElementType.Float, Dim.Named("N"), Inputs);
        var w = g.Initializer(TensorProtos.Floats("w", new float[Outputs * Inputs], Outputs, Inputs));
        g.Output(g.Gemm(x, w, transB: true), "logits");
        var artifacts = new ArtifactGenerator(loss, new Sgd()).Generate(g.ToModel());
        training = new OnnxRunner(artifacts.Training);
        eval = new OnnxRunner(artifacts.Eval);
    }

    public float[] Input { get; } = [0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.5f, -2.0f, 1.0f, 0.75f, 0.1f, -0.3f, 1.2f];
    public float[] Weights { get; } = [0.8f, -0.4f, 0.3f, -1.1f, 0.6f, 0.9f];
    /// <summary>Targets chosen so output − target spans small and large differences of both signs, away from the kinks at 0 and ±δ.</summary>
    public float[] Targets { get; } = [1.9f, -3.2f, 0.1f, -1.45f, -2.5f, 2.3f, 0.3f, 0.65f];

    private Dictionary<string, (float[], long[])> Feeds(float[] weights) => new()
    {
        ["input"] = (Input, [Rows, Inputs]),
        ["w"] = (weights, [Outputs, Inputs]),
        ["labels"] = (Targets, [Rows, Outputs]),
    };

    /// <summary>The model's output, the eval graph's loss, and the training graph's loss and gradient of w.</summary>
    public (float[] Output, float EvalLoss, float TrainingLoss, float[] Gradient) Run()
    {
        var e = eval.Run(Feeds(Weights));
        var t = training.Run(Feeds(Weights));
        return (e["logits"], e["loss"][0], t["loss"][0], t[ArtifactNames.Gradient("w")]);
    }

    /// <summary>Central differences of the eval loss with respect to each weight.</summary>
    public double[] FiniteDifferenceGradient(float eps = 1e-3f)
    {
        var result = new double[Weights.Length];
        for (int k = 0; k < Weights.Length; k++)
        {
            var plus = (float[])Weights.Clone();
            var minus = (float[])Weights.Clone();
            plus[k] += eps;
            minus[k] -= eps;
            double up = eval.Run(Feeds(plus))["loss"][0], down = eval.Run(Feeds(minus))["loss"][0];
            result[k] = (up - down) / ((double)plus[k] - minus[k]);
        }
        return result;
    }

    /// <summary>dL/dw = Σ_rows (dL/doutput)ᵀ · input, given the per-element derivative of the loss with respect to the output.</summary>
    public double[] ChainToWeights(Func<double, double> perElementDerivative, float[] output)
    {
        var result = new double[Outputs * Inputs];
        for (int n = 0; n < Rows; n++)
            for (int o = 0; o < Outputs; o++)
            {
                double dOut = perElementDerivative(output[n * Outputs + o] - (double)Targets[n * Outputs + o]) / (Rows * Outputs);
                for (int i = 0; i < Inputs; i++) result[o * Inputs + i] += dOut * Input[n * Inputs + i];
            }
        return result;
    }

    public IEnumerable<double> Differences(float[] output) => output.Select((v, k) => (double)v - Targets[k]);

    public void Dispose()
    {
        training.Dispose();
        eval.Dispose();
    }
}
