using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;
using Toolchain.Recipes;

namespace Toolchain.Train.Layers;

/// <summary>
/// The forward model a recipe describes: input "input" [N, ...sample shape] → layers → "logits",
/// with freshly initialised parameters as initializers; or the recipe's existing forward ONNX file.
/// </summary>
public static class ForwardModelBuilder
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    public static ModelProto Build(ModelSection model, int seed, string recipeDirectory)
    {
        if (model.Forward is { } forward)
            return OnnxModelFile.Load(Path.IsPathRooted(forward) ? forward : Path.Combine(recipeDirectory, forward));
        var g = new GraphBuilder("forward");
        var x = g.Input(InputName, ElementType.Float, [Dim.Named("N"), .. model.InputShape.Select(d => (Dim)d)]);
        var context = new LayerContext(g, new Random(seed));
        for (int i = 0; i < model.Layers.Count; i++)
        {
            context.Index = i;
            x = LayerFactory.Apply(context, model.Layers[i], x);
        }
        g.Output(x, OutputName);
        return g.ToModel();
    }
}
