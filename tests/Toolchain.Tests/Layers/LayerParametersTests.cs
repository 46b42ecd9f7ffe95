using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Tests.Layers;

/// <summary>Layers create their parameters and state with PyTorch's names, layouts and initial values.</summary>
public sealed class LayerParametersTests
{
    private static Dictionary<string, TensorProto> Initializers(ModelProto model) => model.Graph.Initializer.ToDictionary(t => t.Name);

    [Test]
    public void Conv2d_weight_is_filters_by_channels_per_group_by_kernel_from_uniform_one_over_root_fan_in()
    {
        var model = ForwardModels.Build("[4, 9, 9]", "- { type: conv2d, filters: 6, kernel: 3, groups: 2, name: c }");
        var tensors = Initializers(model);
        Assert.That(tensors["c.weight"].Dims, Is.EqualTo(new long[] { 6, 2, 3, 3 }));
        Assert.That(tensors["c.bias"].Dims, Is.EqualTo(new long[] { 6 }));
        var bound = 1 / Math.Sqrt(2 * 3 * 3);
        var weights = TensorProtos.ToFloats(tensors["c.weight"]);
        Assert.That(weights.Select(Math.Abs), Has.All.LessThanOrEqualTo(bound));
        Assert.That(weights.Max(), Is.GreaterThan(0.8 * bound), "the draw should span most of the interval");
        Assert.That(TensorProtos.ToFloats(tensors["c.bias"]).Select(Math.Abs), Has.All.LessThanOrEqualTo(bound));
    }

    [Test]
    public void Batchnorm_has_unit_scale_zero_shift_and_running_statistics_and_pytorch_momentum()
    {
        var model = ForwardModels.Build("[3, 4, 4]", "- { type: batchnorm, name: bn, momentum: 0.2, eps: 0.001 }");
        var tensors = Initializers(model);
        Assert.That(TensorProtos.ToFloats(tensors["bn.weight"]), Is.EqualTo(new[] { 1f, 1f, 1f }));
        Assert.That(TensorProtos.ToFloats(tensors["bn.bias"]), Is.EqualTo(new[] { 0f, 0f, 0f }));
        Assert.That(TensorProtos.ToFloats(tensors["bn.running_mean"]), Is.EqualTo(new[] { 0f, 0f, 0f }));
        Assert.That(TensorProtos.ToFloats(tensors["bn.running_var"]), Is.EqualTo(new[] { 1f, 1f, 1f }));
        var node = model.Graph.Node.Single(n => n.OpType == "BatchNormalization");
        Assert.That(node.Output, Has.Count.EqualTo(1), "the forward graph holds the inference form");
        Assert.That(Attributes.Float(node, "momentum", 0), Is.EqualTo(0.8f).Within(1e-6), "ONNX momentum weighs the running value: 1 − 0.2");
        Assert.That(Attributes.Float(node, "epsilon", 0), Is.EqualTo(0.001f).Within(1e-9));
        Assert.That(node.Input, Is.EqualTo(new[] { "input", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var" }));
    }

    [Test]
    public void Layernorm_parameters_have_the_shape_of_the_normalised_axes()
    {
        var model = ForwardModels.Build("[3, 4]", "- { type: layernorm, axis: 1, name: ln }");
        var tensors = Initializers(model);
        Assert.That(tensors["ln.weight"].Dims, Is.EqualTo(new long[] { 3, 4 }));
        Assert.That(TensorProtos.ToFloats(tensors["ln.bias"]), Has.All.EqualTo(0f));
    }

    [Test]
    public void Dropout_is_emitted_without_training_mode()
    {
        var model = ForwardModels.Build("[6]", "- { type: dropout, rate: 0.3 }");
        var node = model.Graph.Node.Single(n => n.OpType == "Dropout");
        Assert.That(node.Input, Has.Count.EqualTo(2), "data and ratio, no training_mode: the identity at inference");
        Assert.That(TensorProtos.ToFloats(Initializers(model)[node.Input[1]]), Is.EqualTo(new[] { 0.3f }));
    }

    [Test]
    public void Embedding_rows_are_looked_up_by_token_id_from_a_standard_normal_table()
    {
        var model = ForwardModels.Build("[3]", "- { type: embedding, num_embeddings: 500, embedding_dim: 4, name: emb }");
        var table = TensorProtos.ToFloats(Initializers(model)["emb.weight"]);
        Assert.That(table.Average(), Is.EqualTo(0).Within(0.1));
        Assert.That(Math.Sqrt(table.Average(v => v * v)), Is.EqualTo(1).Within(0.1));
        var (shape, rows) = ForwardModels.Run(model, [7, 0, 499], batch: 1);
        Assert.That(shape, Is.EqualTo(new long[] { 1, 3, 4 }));
        Assert.That(rows, Is.EqualTo(table[28..32].Concat(table[0..4]).Concat(table[1996..2000]).ToArray()));
    }

    [Test]
    public void Gelu_is_x_times_the_normal_cdf()
    {
        var model = ForwardModels.Build("[4]", "- { type: gelu }");
        var (_, y) = ForwardModels.Run(model, [1f, -0.5f, 0f, 2f], batch: 1);
        // x·Φ(x): Φ(1) = 0.8413447, Φ(−0.5) = 0.3085375, Φ(2) = 0.9772499.
        Assert.That(y, Is.EqualTo(new[] { 0.8413447f, -0.5f * 0.3085375f, 0f, 2f * 0.9772499f }).Within(1e-6));
    }
}
