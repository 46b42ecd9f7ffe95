using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Artifacts;

/// <summary>
/// The elementary-op form of training-mode BatchNormalization (what CUDA trains with) must step exactly as the
/// fused node does on the CPU: same loss, same updated parameters, momenta and running statistics. Plain SGD with
/// momentum, because the bias before a normalisation has an exact-zero gradient that both forms compute only up to
/// rounding, and Adam would scale that rounding noise up to full-size steps.
/// </summary>
public sealed class ExplicitBatchStatisticsTests
{
    private static readonly Sgd Optimizer = new(momentum: 0.9);

    [TestCase(false)]
    [TestCase(true)]
    public void Steps_with_explicit_batch_statistics_match_the_fused_node(bool convolutional)
    {
        var forward = convolutional ? ConvModel() : DenseModel();
        var fused = Train(new ArtifactGenerator(new CrossEntropyLoss(), Optimizer).Generate(forward), out var fusedLosses);
        var explicitForm = new ArtifactGenerator(new CrossEntropyLoss(), Optimizer, explicitBatchStatistics: true).Generate(forward);
        Assert.That(explicitForm.TrainStep.Graph.Node.Any(n => n.OpType == "BatchNormalization"), Is.False);
        var lowered = Train(explicitForm, out var loweredLosses);

        Assert.That(loweredLosses, Is.EqualTo(fusedLosses).Within(1e-5));
        foreach (var (name, tensor) in fused)
            Assert.That(lowered[name].Data, Is.EqualTo(tensor.Data).Within(2e-5), name);
        Assert.That(fused.Keys.Count(k => k.Contains("running")), Is.EqualTo(convolutional ? 4 : 2), "the running statistics are compared too");
    }

    [Test]
    public void The_committed_cnn_recipe_generates_cuda_artifacts_that_train()
    {
        var path = Path.Combine(RepositoryPaths.Root, "models", "fashion-cnn", "recipe.yaml");
        var recipe = Toolchain.Recipes.RecipeLoader.Load(path, [new("training.device", "cuda")]);
        var optimizer = OptimizerFactory.Create(recipe.Optimizer);
        var forward = Toolchain.Train.Layers.ForwardModelBuilder.Build(recipe.Model, recipe.Training.Seed, Path.GetDirectoryName(path)!);
        var artifacts = ArtifactGenerator.For(recipe, optimizer).Generate(forward);

        Assert.That(artifacts.TrainStep.Graph.Node.Select(n => n.OpType), Has.No.Member("BatchNormalization"));
        var state = Train(artifacts, out var losses, optimizer);
        Assert.That(losses, Has.All.Matches<float>(float.IsFinite));
        Assert.That(state.Keys, Has.Member("bn2.running_var"));
    }

    private static Dictionary<string, FloatTensor> Train(TrainingArtifacts artifacts, out List<float> losses, IOptimizer? optimizer = null)
    {
        using var directory = new TempDirectory();
        artifacts.Save(directory.Path);
        using var session = SessionFactory.Create(Path.Combine(directory.Path, ArtifactNames.TrainStepFile), "cpu", threads: 1);
        using var state = new ParameterState(artifacts.Manifest, artifacts.InitialParameters, null);
        using var runner = new TrainStepRunner(session, artifacts.Manifest, state, optimizer ?? Optimizer);
        var random = new Random(3);
        long sampleSize = artifacts.Manifest.SampleShape.Aggregate(1L, (a, b) => a * b);
        var features = Enumerable.Range(0, (int)(32 * sampleSize)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var labels = Enumerable.Range(0, 32).Select(i => (float)(i % 3)).ToArray();
        var order = Enumerable.Range(0, 32).ToArray();
        losses = [];
        for (int step = 1; step <= 4; step++)
            losses.Add(runner.Step(features, labels, order.AsSpan((step - 1) % 2 * 16, 16), 0.1f, step, []));
        return state.Snapshot();
    }

    private static ModelProto DenseModel()
    {
        var g = new GraphBuilder("forward");
        var x = g.Input("input", ElementType.Float, Dim.Named("N"), 6);
        var h = g.Gemm(x, Parameter(g, "fc1.weight", 1, 8, 6), Parameter(g, "fc1.bias", 2, 8), transB: true);
        h = g.Relu(Normalize(g, h, 8, "bn"));
        g.Output(g.Gemm(h, Parameter(g, "fc2.weight", 3, 3, 8), Parameter(g, "fc2.bias", 4, 3), transB: true), "logits");
        return g.ToModel();
    }

    private static ModelProto ConvModel()
    {
        var g = new GraphBuilder("forward");
        var x = g.Input("input", ElementType.Float, Dim.Named("N"), 2, 6, 6);
        var h = g.Conv(x, Parameter(g, "conv.weight", 1, 4, 2, 3, 3), Parameter(g, "conv.bias", 2, 4), pads: [1, 1, 1, 1]);
        // Relu → MaxPool, which the generator reorders, ahead of a second block whose input rank must still be known.
        h = g.MaxPool(g.Relu(Normalize(g, h, 4, "bn")), [2, 2], strides: [2, 2]);
        h = g.Conv(h, Parameter(g, "conv2.weight", 5, 3, 4, 3, 3), null, pads: [1, 1, 1, 1]);
        h = g.Flatten(g.Relu(Normalize(g, h, 3, "bn2")));
        g.Output(g.Gemm(h, Parameter(g, "fc.weight", 3, 3, 27), Parameter(g, "fc.bias", 4, 3), transB: true), "logits");
        return g.ToModel();
    }

    private static Value Normalize(GraphBuilder g, Value x, int channels, string name)
    {
        var scale = g.Initializer(TensorProtos.Floats($"{name}.weight", Enumerable.Range(0, channels).Select(i => 0.5f + 0.1f * i).ToArray(), channels));
        var bias = g.Initializer(TensorProtos.Floats($"{name}.bias", Enumerable.Range(0, channels).Select(i => 0.05f * i - 0.1f).ToArray(), channels));
        var mean = g.Initializer(TensorProtos.Floats($"{name}.running_mean", Enumerable.Range(0, channels).Select(i => 0.01f * i).ToArray(), channels));
        var variance = g.Initializer(TensorProtos.Floats($"{name}.running_var", Enumerable.Range(0, channels).Select(i => 1f + 0.1f * i).ToArray(), channels));
        return g.BatchNormalization(x, scale, bias, mean, variance, epsilon: 1e-5f, momentum: 0.9f)[0];
    }

    private static Value Parameter(GraphBuilder g, string name, int seed, params long[] dims)
    {
        var random = new Random(seed);
        var count = (int)dims.Aggregate(1L, (a, b) => a * b);
        return g.Initializer(TensorProtos.Floats(name, Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), dims));
    }
}
