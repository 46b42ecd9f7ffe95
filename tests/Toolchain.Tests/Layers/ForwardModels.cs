using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;
using Toolchain.Recipes;
using Toolchain.Train.Layers;

namespace Toolchain.Tests.Layers;

/// <summary>Builds forward models from recipe snippets and runs them on ONNX Runtime (CPU).</summary>
internal static class ForwardModels
{
    public static ModelProto Build(string inputShape, string layers, int seed = 7)
    {
        var recipe = RecipeLoader.Parse($"""
            model:
              input_shape: {inputShape}
              layers:
            {string.Join("\n", layers.Trim().Split('\n').Select(l => "    " + l.Trim()))}
            """, "layers.yaml");
        return ForwardModelBuilder.Build(recipe.Model, seed, ".");
    }

    /// <summary>The shape the model declares for its output, with the symbolic batch as -1.</summary>
    public static long[] DeclaredOutputShape(ModelProto model) =>
        GraphBuilder.TypeFromProto(model.Graph.Output[0].Type)?.Shape?.Select(d => d.IsKnown ? d.Size : -1).ToArray()
        ?? throw new InvalidOperationException("the output has no declared shape");

    public static long[] SampleShape(ModelProto model) =>
        GraphBuilder.TypeFromProto(model.Graph.Input[0].Type)!.Shape!.Skip(1).Select(d => d.Size).ToArray();

    /// <summary>Runs the model on <paramref name="input"/> [batch, sample…] and returns the output's shape and values.</summary>
    public static (long[] Shape, float[] Values) Run(ModelProto model, float[] input, int batch)
    {
        using var session = new InferenceSession(model.ToByteArray());
        using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, .. SampleShape(model)]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [model.Graph.Input[0].Name], [value], [model.Graph.Output[0].Name]);
        return (outputs[0].GetTensorTypeAndShape().Shape, outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }
}
