using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Tests.Optimizers;
using Toolchain.Tests.Support;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Artifacts;

public sealed class SmallParameterGroupsTests
{
    private static readonly ParameterInfo[] Mlp =
    [
        new("fc1.weight", [64, 80], Decays: true), new("fc1.bias", [64], Decays: false),
        new("fc2.weight", [10, 64], Decays: true), new("fc2.bias", [10], Decays: false),
        new("norm.scale", [1, 64], Decays: false), new("big.bias", [5000], Decays: false),
    ];

    [Test]
    public void Small_parameters_that_agree_on_weight_decay_are_updated_together()
    {
        var plan = SmallParameterGroups.Plan(Mlp).Select(group => group.Select(i => Mlp[i].Name).ToArray()).ToArray();

        Assert.That(plan, Is.EquivalentTo(new[]
        {
            new[] { "fc1.weight" }, new[] { "big.bias" }, new[] { "fc2.weight" }, new[] { "fc1.bias", "fc2.bias", "norm.scale" },
        }));
    }

    [TestCase("adam")]
    [TestCase("adamw")]
    [TestCase("sgd")]
    public void A_grouped_update_equals_the_update_of_each_parameter_on_its_own(string name)
    {
        var section = new Toolchain.Recipes.OptimizerSection { Name = name, Momentum = 0.9, WeightDecay = 0.01 };
        var optimizer = OptimizerFactory.Create(section);
        var g = new GraphBuilder("forward");
        var x = g.Input("input", ElementType.Float, Dim.Named("N"), 80);
        var h = g.Relu(g.Gemm(x, g.Initializer(TensorProtos.Floats("fc1.weight", new float[64 * 80], 64, 80)), g.Initializer(TensorProtos.Floats("fc1.bias", new float[64], 64)), transB: true));
        g.Output(g.Gemm(h, g.Initializer(TensorProtos.Floats("fc2.weight", new float[10 * 64], 10, 64)), g.Initializer(TensorProtos.Floats("fc2.bias", new float[10], 10)), transB: true), "logits");
        var artifacts = new ArtifactGenerator(new CrossEntropyLoss(), optimizer).Generate(g.ToModel());
        Assert.That(artifacts.Optimizer.Graph.Node.Count(n => n.OpType == "Concat"), Is.GreaterThan(0), "the biases form a group");

        var parameters = artifacts.Manifest.Parameters;
        var random = new Random(5);
        float[] Values(long count) => Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var initial = parameters.Select(p => Values(p.ElementCount)).ToList();
        using var reference = new OptimizerGraph(optimizer, parameters.Select(p => new ParameterSpec(p.Name, p.Shape, p.Decays)).ToList(), initial);
        using var grouped = new OnnxRunner(artifacts.Optimizer);
        var current = initial.ToList();
        var states = parameters.Select(p => optimizer.StateNames.Select(_ => new float[p.ElementCount]).ToList()).ToList();
        for (int step = 1; step <= 3; step++)
        {
            var grads = parameters.Select(p => Values(p.ElementCount)).ToList();
            reference.Step(grads, lr: 0.01f, step);
            var scalars = new float[optimizer.ScalarNames.Count];
            optimizer.ComputeScalars(0.01f, step, scalars);
            var feeds = new Dictionary<string, (float[], long[])>();
            for (int k = 0; k < scalars.Length; k++) feeds[optimizer.ScalarNames[k]] = ([scalars[k]], []);
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                feeds[p.Name] = (current[i], p.Shape);
                feeds[ArtifactNames.Gradient(p.Name)] = (grads[i], p.Shape);
                for (int k = 0; k < optimizer.StateNames.Count; k++) feeds[ArtifactNames.State(p.Name, optimizer.StateNames[k])] = (states[i][k], p.Shape);
            }
            var outputs = grouped.Run(feeds);
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                current[i] = outputs[ArtifactNames.Next(p.Name)];
                Assert.That(current[i], Is.EqualTo(reference.Parameter(i)).Within(1e-6), $"step {step}: {p.Name}");
                for (int k = 0; k < optimizer.StateNames.Count; k++)
                {
                    states[i][k] = outputs[ArtifactNames.Next(ArtifactNames.State(p.Name, optimizer.StateNames[k]))];
                    Assert.That(states[i][k], Is.EqualTo(reference.State(i, optimizer.StateNames[k])).Within(1e-6), $"step {step}: {p.Name} {optimizer.StateNames[k]}");
                }
            }
        }
    }
}
