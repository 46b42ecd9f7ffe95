using NUnit.Framework;
using Toolchain.Recipes;

namespace Toolchain.Tests.Layers;

/// <summary>A layer that cannot be built names its index and key, with the expected and the actual value.</summary>
public sealed class LayerKeyErrorsTests
{
    [TestCase("[28, 28]", "- { type: conv2d, filters: 4, kernel: 3 }", "model.layers[0] (conv2d)", "[N, channels, height, width]", "reshape")]
    [TestCase("[1, 8, 8]", "- { type: conv2d, kernel: 3 }", "model.layers[0] (conv2d)", "'filters' is required")]
    [TestCase("[1, 8, 8]", "- { type: conv2d, filters: 4, kernel: 3, padding: wide }", "model.layers[0].padding", "same or valid", "wide")]
    [TestCase("[3, 8, 8]", "- { type: conv2d, filters: 4, kernel: 3, groups: 2 }", "model.layers[0].groups", "(3)", "got 2")]
    [TestCase("[1, 4, 4]", "- { type: conv2d, filters: 4, kernel: 7 }", "model.layers[0].kernel", "4x4", "7")]
    [TestCase("[1, 8, 8]", "- { type: maxpool2d, kernel: 2, padding: 2 }", "model.layers[0].padding", "half the window")]
    [TestCase("[1, 8, 8]", "- { type: relu }\n- { type: avgpool2d, kernel: 2, dilation: 2 }", "model.layers[1].dilation")]
    [TestCase("[784]", "- { type: reshape, shape: [1, 28, 27] }", "model.layers[0].shape", "784", "[1, 28, 27]")]
    [TestCase("[6]", "- { type: dropout, rate: 1.0 }", "model.layers[0].rate", "[0, 1)")]
    [TestCase("[3, 4]", "- { type: layernorm, axis: 0 }", "model.layers[0].axis", "a sample axis")]
    [TestCase("[4]", "- { type: embedding, num_embeddings: 10 }", "'embedding_dim' is required")]
    public void Errors_name_the_layer_and_key(string inputShape, string layers, params string[] fragments)
    {
        var error = Assert.Throws<RecipeException>(() => ForwardModels.Build(inputShape, layers));
        foreach (var fragment in fragments) Assert.That(error!.Message, Does.Contain(fragment));
    }
}
