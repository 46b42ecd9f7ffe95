using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Autodiff;
using Toolchain.Train.Layers;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Artifacts;

public sealed class ArtifactGeneratorTests
{
    private static TrainingArtifacts Mlp(ILoss? loss = null, IReadOnlyList<string>? trainable = null)
    {
        var recipe = RecipeLoader.Parse("""
            model:
              input_shape: [2, 3]
              layers:
                - { type: flatten }
                - { type: linear, units: 5, name: fc1 }
                - { type: tanh }
                - { type: linear, units: 4, name: fc2 }
                - { type: sigmoid }
                - { type: linear, units: 3, name: fc3 }
            """, "mlp.yaml");
        var forward = ForwardModelBuilder.Build(recipe.Model, seed: 5, ".");
        return new ArtifactGenerator(loss ?? new CrossEntropyLoss(), new Adam(), trainable).Generate(forward);
    }

    [Test]
    public void Training_graph_gradients_match_finite_differences_of_the_eval_loss()
    {
        var artifacts = Mlp();
        var random = new Random(11);
        var input = Enumerable.Range(0, 4 * 6).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        var labels = new long[] { 0, 2, 1, 2 };
        var parameters = artifacts.InitialParameters.ToDictionary(p => p.Key, p => (p.Value.Data.ToArray(), p.Value.Shape));
        using var training = new OnnxRunner(artifacts.Training);
        using var eval = new OnnxRunner(artifacts.Eval);
        Dictionary<string, (float[], long[])> Floats() => new(parameters) { ["input"] = (input, [4, 2, 3]) };
        var longs = new Dictionary<string, (long[], long[])> { ["labels"] = (labels, [4]) };

        var gradients = training.Run(Floats(), longs);
        const float eps = 1e-2f;
        foreach (var (name, (values, _)) in parameters)
        {
            var gradient = gradients[ArtifactNames.Gradient(name)];
            for (int k = 0; k < values.Length; k += 3)
            {
                var original = values[k];
                values[k] = original + eps;
                double plus = eval.Run(Floats(), longs)["loss"][0];
                values[k] = original - eps;
                double minus = eval.Run(Floats(), longs)["loss"][0];
                values[k] = original;
                double numeric = (plus - minus) / (2 * eps);
                Assert.That(gradient[k], Is.EqualTo(numeric).Within(1e-3 + 1e-2 * Math.Abs(numeric)), $"d loss / d {name}[{k}]");
            }
        }
    }

    [Test]
    public void Every_generated_graph_uses_only_ai_onnx_ops_and_loads_in_onnx_runtime()
    {
        var artifacts = Mlp();
        foreach (var model in new[] { artifacts.Forward, artifacts.Training, artifacts.Optimizer, artifacts.Eval, artifacts.TrainStep })
        {
            Assert.That(model.OpsetImport.Select(o => o.Domain), Is.All.Empty, model.Graph.Name);
            Assert.That(model.Graph.Node.Select(n => n.Domain), Is.All.Empty, model.Graph.Name);
            using var session = new InferenceSession(model.ToByteArray());
            Assert.That(session.OutputMetadata, Is.Not.Empty);
        }
    }

    [Test]
    public void Generation_is_deterministic()
    {
        var first = Mlp().TrainStep.ToByteArray();
        var second = Mlp().TrainStep.ToByteArray();
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Trainable_patterns_freeze_the_other_parameters()
    {
        var artifacts = Mlp(trainable: ["fc3\\..*"]);
        Assert.That(artifacts.Manifest.Parameters.Select(p => p.Name), Is.EquivalentTo(new[] { "fc3.weight", "fc3.bias" }));
        Assert.That(artifacts.Training.Graph.Initializer.Select(i => i.Name), Does.Contain("fc1.weight"));
    }

    [Test]
    public void An_op_without_a_rule_fails_generation_naming_every_such_op_and_node()
    {
        var g = new GraphBuilder("forward");
        var x = g.Input("input", ElementType.Float, Dim.Named("N"), 4);
        var w = g.Initializer(TensorProtos.Floats("w", new float[12], 4, 3));
        var y = g.Op("Cos", g.Op("Sin", g.MatMul(x, w)));
        g.Output(g.Op("Floor", y), "logits");
        var error = Assert.Throws<GradientException>(() => new ArtifactGenerator(new MeanSquaredErrorLoss(), new Sgd()).Generate(g.ToModel()));
        Assert.That(error!.Message, Does.Contain("Sin (nodes 'Sin_node')").And.Contain("Cos").And.Contain("Floor"));
    }
}
