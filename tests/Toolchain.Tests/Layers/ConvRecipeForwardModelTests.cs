using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Tests.Support;
using Toolchain.Train.Autodiff;

namespace Toolchain.Tests.Layers;

/// <summary>A convolutional recipe becomes a forward model that ONNX Runtime runs and that autodiff differentiates.</summary>
public sealed class ConvRecipeForwardModelTests
{
    private const string SmallCnn = """
        - { type: reshape, shape: [1, 28, 28] }
        - { type: conv2d, filters: 8, kernel: 3, padding: same, name: conv1 }
        - { type: batchnorm, name: bn1 }
        - { type: relu }
        - { type: maxpool2d, kernel: 2 }
        - { type: conv2d, filters: 16, kernel: 3, stride: 2, padding: 1, name: conv2 }
        - { type: leaky_relu, alpha: 0.1 }
        - { type: avgpool2d, kernel: 2 }
        - { type: conv2d, filters: 16, kernel: 3, groups: 16, padding: 1, name: depthwise }
        - { type: global_avgpool }
        - { type: flatten }
        - { type: dropout, rate: 0.25 }
        - { type: linear, units: 10, name: fc }
        """;

    [Test]
    public void A_conv_recipe_on_28x28_images_gives_logits_of_shape_N_by_10_in_onnx_runtime()
    {
        var model = ForwardModels.Build("[28, 28]", SmallCnn);
        Assert.That(ForwardModels.DeclaredOutputShape(model), Is.EqualTo(new long[] { -1, 10 }));
        Assert.That(model.Graph.Node.Select(n => n.OpType).Distinct(), Is.SupersetOf(new[]
            { "Reshape", "Conv", "BatchNormalization", "Relu", "MaxPool", "LeakyRelu", "AveragePool", "GlobalAveragePool", "Flatten", "Dropout", "Gemm" }));
        Assert.That(model.Graph.Initializer.Select(t => t.Name), Is.SupersetOf(new[]
            { "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "depthwise.weight", "fc.weight" }));

        var random = new Random(1);
        var pixels = Enumerable.Range(0, 3 * 784).Select(_ => (float)random.NextDouble()).ToArray();
        var (shape, logits) = ForwardModels.Run(model, pixels, batch: 3);
        Assert.That(shape, Is.EqualTo(new long[] { 3, 10 }));
        Assert.That(logits, Has.All.Matches<float>(float.IsFinite));
        Assert.That(logits.Distinct().Count(), Is.GreaterThan(20), "different images and classes should give different logits");
    }

    [Test]
    public void Gradients_of_a_conv_recipe_match_finite_differences_for_every_parameter()
    {
        var model = ForwardModels.Build("[1, 6, 7]", """
            - { type: conv2d, filters: 3, kernel: 3, padding: 1, name: conv1 }
            - { type: batchnorm, name: bn }
            - { type: gelu }
            - { type: maxpool2d, kernel: 2, stride: 2, padding: 1 }
            - { type: conv2d, filters: 4, kernel: 2, groups: 1, name: conv2 }
            - { type: elu }
            - { type: avgpool2d, kernel: 2, stride: 1, count_include_pad: false, padding: 1 }
            - { type: flatten }
            - { type: layernorm, name: ln }
            - { type: dropout }
            - { type: linear, units: 3, name: fc }
            """);
        var parameterNames = model.Graph.Initializer.Where(t => t.DataType == (int)ElementType.Float && t.Dims.Count > 0 && !t.Name.Contains("running")).Select(t => t.Name).ToList();

        // Parameters become graph inputs; loss = Σ readout ⊙ logits, differentiated by the rules under test.
        var graph = model.Graph.Clone();
        var initial = graph.Initializer.Where(t => parameterNames.Contains(t.Name)).ToList();
        foreach (var tensor in initial)
        {
            graph.Initializer.Remove(tensor);
            graph.Input.Add(GraphBuilder.ValueInfo(tensor.Name, new TensorType(ElementType.Float, tensor.Dims.Select(d => (Dim)d).ToArray())));
        }
        var logits = new Value(graph.Output[0].Name);
        graph.Output.Clear();
        var g = GraphBuilder.Extend(graph);
        var random = new Random(5);
        var readout = Enumerable.Range(0, 2 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var loss = g.ReduceSumAll(g.Mul(logits, g.Constant(readout, 2, 3)));
        var gradients = ReverseModeDifferentiator.Gradients(g, loss, parameterNames.Select(n => new Value(n)).ToList());
        g.Output(loss, "loss");
        foreach (var name in parameterNames) g.Output(gradients[name], name + ".grad");
        using var runner = new OnnxRunner(g.ToModel());

        var values = initial.ToDictionary(t => t.Name, t => (TensorProtos.ToFloats(t), t.Dims.ToArray()));
        values["input"] = (Enumerable.Range(0, 2 * 42).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), [2, 1, 6, 7]);
        var analytic = runner.Run(values);
        const float eps = 1e-2f;
        foreach (var name in parameterNames)
        {
            var data = values[name].Item1;
            for (int k = 0; k < data.Length; k += 2)
            {
                var original = data[k];
                data[k] = original + eps;
                double plus = runner.Run(values)["loss"][0];
                data[k] = original - eps;
                double minus = runner.Run(values)["loss"][0];
                data[k] = original;
                double numeric = (plus - minus) / (2 * eps);
                Assert.That(analytic[name + ".grad"][k], Is.EqualTo(numeric).Within(2e-3 + 1e-2 * Math.Abs(numeric)), $"d loss / d {name}[{k}]");
            }
        }
    }
}
