using System.CommandLine;
using System.Runtime.InteropServices;
using Toolchain.Checkpoints;
using Toolchain.Data;
using Toolchain.Onnx;
using Toolchain.Recipes;
using Toolchain.Train;
using Toolchain.Train.Autodiff;
using Toolchain.Train.Training;

var model = new Option<string>("--model") { Description = "Model name: trains models/<name>/recipe.yaml", DefaultValueFactory = _ => "fashion-mlp" };
var recipePath = new Option<string?>("--recipe") { Description = "Path to a recipe file (instead of --model)" };
var models = new Option<string>("--models") { Description = "Models folder holding <name>/recipe.yaml", DefaultValueFactory = _ => "models" };
var runs = new Option<string>("--runs") { Description = "Folder for run outputs (runs/<name>/)", DefaultValueFactory = _ => "runs" };
var device = new Option<string?>("--device") { Description = "cpu (default) or cuda; overrides training.device" };
var epochs = new Option<int?>("--epochs") { Description = "Overrides training.epochs" };
var forward = new Option<string?>("--forward") { Description = "Train an existing forward ONNX model (overrides model.forward; its initializers become parameters)" };
var resume = new Option<bool>("--resume") { Description = "Continue from the newest good checkpoint in runs/<name>/checkpoints" };

var root = new RootCommand("Train a Toolchain recipe: generate ONNX training artifacts and run them on ONNX Runtime.\n" +
    "Any recipe key can be overridden as --section.key value, e.g. --optimizer.lr 0.01")
{
    model, recipePath, models, runs, device, epochs, forward, resume,
};
root.TreatUnmatchedTokensAsErrors = false;
root.SetAction(parse =>
{
    try
    {
        var overrides = RecipeOverrides.Parse(parse.UnmatchedTokens);
        if (parse.GetValue(device) is { } d) overrides.Add(new("training.device", d));
        if (parse.GetValue(epochs) is { } e) overrides.Add(new("training.epochs", e.ToString()));
        if (parse.GetValue(forward) is { } f) overrides.Add(new("model.forward", Path.GetFullPath(f)));
        var path = parse.GetValue(recipePath) ?? RecipeLoader.PathFor(parse.GetValue(models)!, parse.GetValue(model)!);
        var recipe = RecipeLoader.Load(path, overrides);
        var data = TrainingData.Load(recipe, Path.GetDirectoryName(Path.GetFullPath(path)));
        // Ctrl-C and SIGTERM finish the current step, write a checkpoint, and exit cleanly.
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        var options = new TrainerOptions(Path.Combine(parse.GetValue(runs)!, recipe.Name), Path.GetDirectoryName(Path.GetFullPath(path))!,
            Console.Out, Interactive: !Console.IsOutputRedirected, Resume: parse.GetValue(resume), Cancellation: stop.Token);
        var summary = new Trainer(recipe, data, options).Run();
        return summary.Interrupted ? 130 : 0;
    }
    catch (Exception e) when (e is RecipeException or DataFormatException or OnnxFormatException or GradientException
                              or CheckpointException or TrainingDivergedException or InvalidOperationException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 1;
    }
});
return root.Parse(args).Invoke();
