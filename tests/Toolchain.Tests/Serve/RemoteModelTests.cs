using System.Text.Json;
using NUnit.Framework;
using Toolchain.Eval;

namespace Toolchain.Tests.Serve;

/// <summary>The eval client reads from model metadata which input to feed and which output answers with a class.</summary>
[TestFixture]
public sealed class RemoteModelTests
{
    [Test]
    public void Prefers_an_integer_class_index_output()
    {
        var model = Parse("""
            {"name": "fashion-mlp", "versions": ["1", "10", "2"], "platform": "onnxruntime_onnx",
             "inputs": [{"name": "pixels", "datatype": "UINT8", "shape": [-1, 28, 28]}],
             "outputs": [{"name": "logits", "datatype": "FP32", "shape": [-1, 10]},
                         {"name": "class_index", "datatype": "INT64", "shape": [-1]}],
             "labels": ["T-shirt/top", "Trouser"]}
            """);

        Assert.That((model.OutputName, model.OutputIsScores, model.OutputClasses), Is.EqualTo(("class_index", false, (int?)10)));
        Assert.That(model.Version, Is.EqualTo("10"), "latest by number, not by string");
        Assert.That(model.Labels, Is.EqualTo(new[] { "T-shirt/top", "Trouser" }));
        Assert.That(model.BatchShape(5, 784), Is.EqualTo(new long[] { 5, 28, 28 }));
    }

    [Test]
    public void Falls_back_to_the_arg_max_of_scores()
    {
        var model = Parse("""
            {"name": "m", "versions": ["1"],
             "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, -1]}],
             "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 3]}]}
            """);

        Assert.That((model.OutputName, model.OutputIsScores), Is.EqualTo(("probabilities", true)));
        Assert.That(model.BatchShape(2, 784), Is.EqualTo(new long[] { 2, 784 }), "an open image dimension takes all the pixels");
    }

    [Test]
    public void Refuses_a_model_it_cannot_feed_images_to()
    {
        var twoInputs = """
            {"name": "adder", "inputs": [{"name": "a", "datatype": "FP32", "shape": [-1, 3]}, {"name": "b", "datatype": "FP32", "shape": [-1, 3]}],
             "outputs": [{"name": "sum", "datatype": "FP32", "shape": [-1, 3]}]}
            """;
        var wrongSize = Parse("""
            {"name": "m", "inputs": [{"name": "x", "datatype": "UINT8", "shape": [-1, 32, 32]}],
             "outputs": [{"name": "class_index", "datatype": "INT64", "shape": [-1]}]}
            """);

        Assert.That(Assert.Throws<EvalException>(() => Parse(twoInputs))!.Message, Does.Contain("model 'adder' has 2 inputs (a, b)"));
        Assert.That(Assert.Throws<EvalException>(() => wrongSize.BatchShape(4, 784))!.Message,
            Does.Contain("input 'x' has shape [-1,32,32], which does not fit images of 784 pixels"));
    }

    private static RemoteModel Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return RemoteModel.FromMetadata(document.RootElement);
    }
}
