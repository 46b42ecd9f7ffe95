using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Tests.Layers;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Artifacts;

/// <summary>
/// The training graph of a conv block as the generator rewrites it (BatchNormalization at momentum 0 with the
/// running update beside it, MaxPool before Relu): its gradients against finite differences of its own loss,
/// and its running statistics against ONNX Runtime's own update.
/// </summary>
public sealed class ConvTrainingFormTests
{
    private const int Batch = 4;

    private static TrainingArtifacts ConvBlock() => new ArtifactGenerator(new CrossEntropyLoss(), new Adam()).Generate(ForwardModels.Build("[2, 6, 6]", """
        - { type: batchnorm, name: bn0, momentum: 0.2 }
        - { type: conv2d, filters: 3, kernel: 3, padding: 1, name: conv1 }
        - { type: batchnorm, name: bn1 }
        - { type: relu }
        - { type: maxpool2d, kernel: 2 }
        - { type: flatten }
        - { type: linear, units: 3, name: fc }
        """));

    private static (Dictionary<string, (float[] Data, long[] Shape)> Floats, Dictionary<string, (long[], long[])> Labels) Batch4(TrainingArtifacts artifacts)
    {
        var random = new Random(21);
        var floats = artifacts.InitialParameters.ToDictionary(p => p.Key, p => (p.Value.Data.ToArray(), p.Value.Shape));
        // Running statistics away from their initial 0 and 1, so that the update's weighting shows.
        floats["bn0.running_mean"] = ([0.3f, -0.2f], [2]);
        floats["bn0.running_var"] = ([1.5f, 0.7f], [2]);
        floats[ArtifactNames.Input] = (Enumerable.Range(0, Batch * 72).Select(_ => (float)(random.NextDouble() * 2 - 0.5)).ToArray(), [Batch, 2, 6, 6]);
        return (floats, new() { [ArtifactNames.Labels] = ([0, 2, 1, 2], [Batch]) });
    }

    [Test]
    public void The_rewrites_are_in_the_training_graph_and_not_in_the_eval_graph()
    {
        var artifacts = ConvBlock();
        var ops = artifacts.Training.Graph.Node.Select(n => n.OpType).ToList();
        Assert.That(ops.IndexOf("MaxPool"), Is.LessThan(ops.IndexOf("Relu")), "training: MaxPool first");
        Assert.That(artifacts.Training.Graph.Node.Where(n => n.OpType == "BatchNormalization" && Attributes.Int(n, "training_mode", 0) == 1)
            .Select(n => Attributes.Float(n, "momentum", 0.9f)), Is.EqualTo(new[] { 0f, 0f }));
        var evalOps = artifacts.Eval.Graph.Node.Select(n => n.OpType).ToList();
        Assert.That(evalOps.IndexOf("MaxPool"), Is.LessThan(evalOps.IndexOf("Relu")), "eval: same values, cheaper");
        Assert.That(artifacts.Forward.Graph.Node.Select(n => n.OpType).ToList().IndexOf("Relu"),
            Is.LessThan(artifacts.Forward.Graph.Node.Select(n => n.OpType).ToList().IndexOf("MaxPool")), "the forward model keeps its order");
    }

    [Test]
    public void Training_graph_gradients_match_finite_differences_of_its_loss()
    {
        var artifacts = ConvBlock();
        var (floats, labels) = Batch4(artifacts);
        using var training = new OnnxRunner(artifacts.Training);
        var gradients = training.Run(floats, labels);
        // Small steps: Relu and MaxPool have kinks that a step of 1e-2 crosses on this batch.
        const float eps = 1e-3f;
        foreach (var parameter in artifacts.Manifest.Parameters)
        {
            var values = floats[parameter.Name].Data;
            var gradient = gradients[ArtifactNames.Gradient(parameter.Name)];
            for (int k = 0; k < values.Length; k++)
            {
                var original = values[k];
                values[k] = original + eps;
                double plus = training.Run(floats, labels)[ArtifactNames.Loss][0];
                values[k] = original - eps;
                double minus = training.Run(floats, labels)[ArtifactNames.Loss][0];
                values[k] = original;
                double numeric = (plus - minus) / (2 * eps);
                Assert.That(gradient[k], Is.EqualTo(numeric).Within(1e-3 + 1e-2 * Math.Abs(numeric)), $"d loss / d {parameter.Name}[{k}]");
            }
        }
    }

    [Test]
    public void Running_statistics_follow_onnx_runtimes_own_update()
    {
        var artifacts = ConvBlock();
        var (floats, labels) = Batch4(artifacts);
        using var training = new OnnxRunner(artifacts.Training);
        var outputs = training.Run(floats, labels);

        // The same batch through one training-mode BatchNormalization with the layer's momentum (ONNX 1 − 0.2).
        var g = new GraphBuilder("reference");
        var x = g.Input("x", ElementType.Float, Batch, 2, 6, 6);
        var (mean, variance) = (g.Input("mean", ElementType.Float, 2), g.Input("var", ElementType.Float, 2));
        var bn = g.BatchNormalization(x, g.Constant([1f, 1f], 2), g.Constant([0f, 0f], 2), mean, variance, momentum: 0.8f, trainingMode: true);
        g.Output(bn[1], "running_mean");
        g.Output(bn[2], "running_var");
        using var reference = new OnnxRunner(g.ToModel());
        var expected = reference.Run(new Dictionary<string, (float[], long[])>
        {
            ["x"] = floats[ArtifactNames.Input], ["mean"] = floats["bn0.running_mean"], ["var"] = floats["bn0.running_var"],
        });

        Assert.That(outputs[ArtifactNames.Next("bn0.running_mean")], Is.EqualTo(expected["running_mean"]).Within(1e-6));
        Assert.That(outputs[ArtifactNames.Next("bn0.running_var")], Is.EqualTo(expected["running_var"]).Within(1e-6));
    }
}
