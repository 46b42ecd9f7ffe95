using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Bench;

/// <summary>
/// Op-type counts of the generated train step (or of a <see cref="GraphVariants"/> rewrite of it, or of
/// any ONNX file given with --onnx), and with --list a line per node: op, inputs → outputs.
/// </summary>
public static class GraphStats
{
    public static int Run(Arguments args)
    {
        var variant = args.String("variant", "baseline");
        var file = args.String("onnx", "");
        ModelProto model;
        string name;
        if (file.Length > 0)
        {
            model = OnnxModelFile.Load(file);
            name = Path.GetFileName(file);
        }
        else
        {
            var recipePath = args.String("recipe");
            var recipe = TrainingSetup.LoadRecipe(recipePath, args.Int("batch", 128), 1);
            name = recipe.Name;
            var directory = Directory.CreateTempSubdirectory("toolchain-bench-").FullName;
            try
            {
                TrainingSetup.Generate(recipe, recipePath, directory);
                model = OnnxModelFile.Load(Path.Combine(directory, "train_step.onnx"));
            }
            finally { Directory.Delete(directory, recursive: true); }
            if (variant != "baseline") model = GraphVariants.Apply(variant, model);
        }
        if (args.String("list", "no") == "yes")
            foreach (var n in model.Graph.Node)
                Console.Error.WriteLine($"{n.OpType,-14} {n.Name,-22} {string.Join(", ", n.Input)} -> {string.Join(", ", n.Output)}");
        Json.Emit(new
        {
            model = name, variant, nodes = model.Graph.Node.Count,
            ops = model.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count()),
        });
        return 0;
    }
}
