using NUnit.Framework;

namespace Toolchain.Tests.Layers;

/// <summary>
/// For every layer type, the output shape the builder infers statically (which gradient rules rely on) is the
/// shape ONNX Runtime produces.
/// </summary>
public sealed class LayerShapesMatchOnnxRuntimeTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, string inputShape, string layers, long[] expected) =>
            new TestCaseData(inputShape, layers, expected) { TestName = $"{name} gives [{string.Join(", ", expected.Select(d => d < 0 ? "N" : d.ToString()))}]" };
        yield return Case("reshape", "[784]", "- { type: reshape, shape: [1, 28, 28] }", [-1, 1, 28, 28]);
        yield return Case("conv2d", "[3, 7, 9]", "- { type: conv2d, filters: 4, kernel: 3 }", [-1, 4, 5, 7]);
        yield return Case("conv2d stride 2 padding same", "[3, 7, 9]", "- { type: conv2d, filters: 4, kernel: 3, stride: 2, padding: same }", [-1, 4, 4, 5]);
        yield return Case("conv2d stride 2 padding 2 no bias", "[2, 5, 6]", "- { type: conv2d, filters: 2, kernel: 4, stride: 2, padding: 2, bias: false }", [-1, 2, 3, 4]);
        yield return Case("conv2d dilation 2 padding same", "[1, 8, 7]", "- { type: conv2d, filters: 2, kernel: 3, dilation: 2, padding: same }", [-1, 2, 8, 7]);
        yield return Case("conv2d depthwise", "[4, 6, 6]", "- { type: conv2d, filters: 8, kernel: 3, groups: 4, padding: valid }", [-1, 8, 4, 4]);
        yield return Case("maxpool2d", "[2, 7, 9]", "- { type: maxpool2d, kernel: 2 }", [-1, 2, 3, 4]);
        yield return Case("maxpool2d stride 1 padding 1", "[2, 5, 5]", "- { type: maxpool2d, kernel: 3, stride: 1, padding: 1 }", [-1, 2, 5, 5]);
        yield return Case("maxpool2d dilation 2", "[1, 7, 8]", "- { type: maxpool2d, kernel: 2, stride: 1, dilation: 2 }", [-1, 1, 5, 6]);
        yield return Case("avgpool2d", "[2, 6, 7]", "- { type: avgpool2d, kernel: 3, stride: 2, padding: 1, count_include_pad: false }", [-1, 2, 3, 4]);
        yield return Case("global_avgpool", "[3, 5, 4]", "- { type: global_avgpool }", [-1, 3, 1, 1]);
        yield return Case("batchnorm on images", "[3, 4, 4]", "- { type: batchnorm, eps: 0.001, momentum: 0.2 }", [-1, 3, 4, 4]);
        yield return Case("batchnorm on features", "[5]", "- { type: batchnorm }", [-1, 5]);
        yield return Case("layernorm", "[3, 4]", "- { type: layernorm }", [-1, 3, 4]);
        yield return Case("layernorm axis 1", "[3, 4]", "- { type: layernorm, axis: 1, bias: false }", [-1, 3, 4]);
        yield return Case("dropout", "[6]", "- { type: dropout, rate: 0.2 }", [-1, 6]);
        yield return Case("embedding", "[5]", "- { type: embedding, num_embeddings: 3, embedding_dim: 4 }", [-1, 5, 4]);
        yield return Case("leaky_relu", "[6]", "- { type: leaky_relu, alpha: 0.2 }", [-1, 6]);
        yield return Case("elu", "[6]", "- { type: elu }", [-1, 6]);
        yield return Case("gelu", "[6]", "- { type: gelu }", [-1, 6]);
        yield return Case("softmax", "[2, 6]", "- { type: softmax, axis: 1 }", [-1, 2, 6]);
        yield return Case("flatten after conv", "[1, 5, 5]", "- { type: conv2d, filters: 2, kernel: 3 }\n- { type: flatten }", [-1, 18]);
    }

    [TestCaseSource(nameof(Cases))]
    public void Static_output_shape_is_the_runtime_shape(string inputShape, string layers, long[] expected)
    {
        var model = ForwardModels.Build(inputShape, layers);
        Assert.That(ForwardModels.DeclaredOutputShape(model), Is.EqualTo(expected), "declared");
        var sampleSize = ForwardModels.SampleShape(model).Aggregate(1L, (a, b) => a * b);
        // Small integers: valid token ids for the embedding, ordinary values for every other layer.
        var input = Enumerable.Range(0, (int)(2 * sampleSize)).Select(k => (float)(k % 3)).ToArray();
        var (shape, values) = ForwardModels.Run(model, input, batch: 2);
        Assert.That(shape, Is.EqualTo(expected.Select(d => d < 0 ? 2 : d).ToArray()), "run");
        Assert.That(values, Has.All.Matches<float>(float.IsFinite));
    }
}
